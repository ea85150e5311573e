using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Kafka09
{
    /// <summary>The long-running programs as separate processes on a real Kafka 0.9 broker (no message timestamps).</summary>
    [Collection(Kafka09Collection.Name)]
    public sealed class Kafka09DirectoryTests : IDisposable
    {
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(120);
        private readonly Kafka09Fixture _kafka;
        private readonly TempDirectory _temp = new TempDirectory("kafka09");

        public Kafka09DirectoryTests(Kafka09Fixture kafka)
        {
            _kafka = kafka;
            _kafka.EnsureBrokerRunning();
        }

        public void Dispose() => _temp.Dispose();

        [Fact]
        public async Task AFileWrittenToAWatchedDirectoryIsRebuiltByteIdenticalThroughKafka09()
        {
            string topic = "smoke-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string watched = _temp.Combine("watched"), output = _temp.Combine("received"), state = _temp.Combine("state");
            Directory.CreateDirectory(watched);
            string config = _kafka.WriteConfig(_temp.Combine("kafka09.config"));
            var environment = Kafka09Fixture.HomeEnvironment(_temp.Combine("home"));
            // Three chunks of 512 KiB (the last one short), in a subdirectory, with a name that needs quoting.
            byte[] content = TestData.Bytes(1_300_000, seed: 9);
            const string name = "run 1/scan; 'A' ü.raw";

            using CliProcess uploader = CliProcess.StartWith(environment, "upload-directory", watched, "--topic", topic, "--config", config, "--state-directory", state, "--settle-time", "0.5");
            using CliProcess downloader = CliProcess.StartWith(environment, "download-directory", output, "--topic", topic, "--config", config, "--group-id", "smoke");
            await uploader.WaitUntilAsync(() => uploader.Stderr.Contains("watching"), Long, "the uploader to start watching");
            _temp.WriteFile(Path.Combine("watched", name), content);
            await downloader.WaitUntilAsync(() => downloader.Stdout.Contains("received " + name), Long, "the file to arrive; uploader:\n" + uploader.Stdout + uploader.Stderr);

            uploader.Terminate();
            downloader.Terminate();
            await uploader.WaitAsync(Long);
            await downloader.WaitAsync(Long);
            Assert.True(uploader.ExitCode == 0, uploader.Stderr);
            Assert.True(downloader.ExitCode == 0, downloader.Stderr);
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(output, name)));
            Assert.Equal(new[] { name }, TestData.RelativeFiles(output));
            string received = Assert.Single(downloader.Stdout.Split('\n'), l => l.StartsWith("received ", StringComparison.Ordinal));
            Assert.Equal($"received {name} (1.2 MB, 3 chunks) sha512 {TestData.Sha512Hex(content)}", received);
            Assert.Contains($"sent {name} (", uploader.Stdout);
        }
    }
}
