using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Cli
{
    /// <summary>
    /// The newest send of a path wins, through the real programs: upload-directory watching a directory
    /// whose files go back to earlier content, grow and are truncated back, or are restored with an older
    /// mtime, and download-directory keeping the output equal to the latest content.
    /// </summary>
    public sealed class VersionOrderCliTests : IDisposable
    {
        private const string Topic = "versions";
        private readonly TempDirectory _temp = new TempDirectory("versions");

        public void Dispose() => _temp.Dispose();

        [Fact]
        public async Task OnTheEmbeddedBrokerEveryLaterVersionIsDeliveredWhateverItsContentOrMtimeWasBefore()
        {
            using var broker = new EmbeddedBroker(2, Topic);
            string config = _temp.Combine("broker.config");
            File.WriteAllText(config, $"[broker]\nbootstrap.servers = {broker.Broker.BootstrapServers}\n[consumer]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 1000\n");
            await VersionScenario.RunAsync(_temp, config, Topic);
        }
    }

    /// <summary>The same scenario for any broker (the embedded one keeps timestamps; Kafka 0.9 does not).</summary>
    internal static class VersionScenario
    {
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

        public static async Task RunAsync(TempDirectory temp, string config, string topic)
        {
            string watched = temp.Combine("watched"), output = temp.Combine("received"), state = temp.Combine("state");
            Directory.CreateDirectory(watched);
            string restored = Path.Combine(watched, "restored.csv"), truncated = Path.Combine(watched, "grown and truncated.raw"), rewritten = Path.Combine(watched, "rewritten.dat");
            byte[] a = TestData.Bytes(5000, seed: 1), b = TestData.Bytes(7000, seed: 2);
            byte[] head = TestData.Bytes(40_000, seed: 3), grown = head.Concat(TestData.Bytes(30_000, seed: 4)).ToArray();
            byte[] first = TestData.Bytes(20_000, seed: 5), second = TestData.Bytes(20_000, seed: 6);

            using CliProcess uploader = CliProcess.Start("upload-directory", watched, "--topic", topic, "--config", config, "--state-directory", state, "--settle-time", "0.5", "--chunk-size", "16384");
            using CliProcess downloader = CliProcess.Start("download-directory", output, "--topic", topic, "--config", config, "--group-id", "archive");
            await uploader.WaitUntilAsync(() => uploader.Stderr.Contains("watching"), Long, "the uploader to start watching; " + uploader.Stderr);

            async Task Deliver(string path, byte[] content, DateTime? mtime, int nth)
            {
                File.WriteAllBytes(path, content);
                if (mtime.HasValue)
                {
                    File.SetLastWriteTimeUtc(path, mtime.Value);
                }
                string name = Path.GetFileName(path);
                string line = $"received {name} (";
                await downloader.WaitUntilAsync(() => Count(downloader.Stdout, line) >= nth && File.Exists(Path.Combine(output, name)) && File.ReadAllBytes(Path.Combine(output, name)).SequenceEqual(content),
                    Long, $"version {nth} of {name} to arrive; uploader: {uploader.Stdout}{uploader.Stderr}; downloader: {downloader.Stdout}{downloader.Stderr}");
            }

            DateTime now = DateTime.UtcNow;
            // A, then B, then A again with the mtime it had before (restored from a backup, cp -p).
            await Deliver(restored, a, now.AddHours(-2), 1);
            await Deliver(restored, b, now.AddHours(-1), 2);
            await Deliver(restored, a, now.AddHours(-2), 3);
            // Grown, then truncated back to the content it had.
            await Deliver(truncated, head, null, 1);
            await Deliver(truncated, grown, null, 2);
            await Deliver(truncated, head, null, 3);
            // Rewritten with the same size and an older mtime (an instrument whose clock was reset). The
            // same size and the same mtime is not noticed by the uploader at all (README, Limits).
            await Deliver(rewritten, first, now.AddMinutes(-30), 1);
            await Deliver(rewritten, second, now.AddMinutes(-90), 2);

            uploader.Terminate();
            downloader.Terminate();
            await uploader.WaitAsync(Long);
            await downloader.WaitAsync(Long);
            Assert.Equal(a, File.ReadAllBytes(Path.Combine(output, "restored.csv")));
            Assert.Equal(head, File.ReadAllBytes(Path.Combine(output, "grown and truncated.raw")));
            Assert.Equal(second, File.ReadAllBytes(Path.Combine(output, "rewritten.dat")));
        }

        private static int Count(string text, string line) => text.Split('\n').Count(l => l.StartsWith(line, StringComparison.Ordinal));
    }
}
