using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.UploadDirectory;
using Xunit;

namespace OpenMsiStream.Tests.Cli
{
    /// <summary>
    /// The network goes away under the long-running programs (the embedded broker drops every connection
    /// and refuses new ones, keeping its data) and comes back: both keep running, and every file written
    /// meanwhile arrives byte-identical, sent once.
    /// </summary>
    public sealed class BrokerOutageTests : IDisposable
    {
        private const string Topic = "instrument";
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);
        private readonly TempDirectory _temp = new TempDirectory("outage");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, Topic);

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task UploaderAndDownloaderRideOutABrokerOutageAndLoseNothing()
        {
            string watched = _temp.Combine("watched"), output = _temp.Combine("received"), state = _temp.Combine("state");
            Directory.CreateDirectory(watched);
            string config = _temp.Combine("broker.config");
            File.WriteAllText(config, $"[broker]\nbootstrap.servers = {_broker.Broker.BootstrapServers}\n[consumer]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 1000\n");
            byte[] before = TestData.Bytes(5000, seed: 1), large = TestData.Bytes(600_000, seed: 2), small = TestData.Bytes(700, seed: 3);

            using CliProcess uploader = CliProcess.Start("upload-directory", watched, "--topic", Topic, "--config", config, "--state-directory", state, "--settle-time", "0.3", "--chunk-size", "65536");
            // --verbose: when a wait below fails, its message carries librdkafka's own account of the outage.
            using CliProcess downloader = CliProcess.Start("download-directory", output, "--topic", Topic, "--config", config, "--group-id", "archive", "--verbose");
            await uploader.WaitUntilAsync(() => uploader.Stderr.Contains("watching"), Long, "the uploader to start watching");
            File.WriteAllBytes(Path.Combine(watched, "before.dat"), before);
            await downloader.WaitUntilAsync(() => downloader.Stdout.Contains("received before.dat"), Long, "the first file to arrive; uploader: " + uploader.Stdout + uploader.Stderr);
            // The outage begins at once: the downloader's commit of before.dat may be on the wire (its commits
            // run in librdkafka's background, so that commit never holds the downloader; see CommitDuringOutageTests).
            _broker.Broker.SetReachable(false);
            File.WriteAllBytes(Path.Combine(watched, "during outage.raw"), large);
            File.WriteAllBytes(Path.Combine(watched, "während; 2.csv"), small);
            // Longer than the few seconds after which a program that cannot reach the broker at its start
            // gives up, and long enough that both say the broker is unreachable.
            string unreachable = $"warning: The Kafka broker at {_broker.Broker.BootstrapServers} has been unreachable for ";
            await uploader.WaitUntilAsync(() => uploader.Stderr.Contains(unreachable), Long, "the uploader to say the broker is unreachable; " + uploader.Stderr);
            await downloader.WaitUntilAsync(() => downloader.Stderr.Contains(unreachable), Long, "the downloader to say the broker is unreachable; " + downloader.Stderr);
            Assert.False(uploader.HasExited, "the uploader ended during the outage: " + uploader.Stderr);
            Assert.False(downloader.HasExited, "the downloader ended during the outage: " + downloader.Stderr);
            Assert.DoesNotContain("received during outage.raw", downloader.Stdout);

            _broker.Broker.SetReachable(true);
            await downloader.WaitUntilAsync(() => downloader.Stdout.Contains("received during outage.raw") && downloader.Stdout.Contains("received während; 2.csv"), Long, "the files written during the outage to arrive");
            string back = $"warning: The Kafka broker at {_broker.Broker.BootstrapServers} is reachable again after ";
            await uploader.WaitUntilAsync(() => uploader.Stderr.Contains(back), Long, "the uploader to say the broker is back; " + uploader.Stderr);
            await downloader.WaitUntilAsync(() => downloader.Stderr.Contains(back), Long, "the downloader to say the broker is back; " + downloader.Stderr);
            Assert.Single(uploader.Stderr.Split('\n'), l => l.Contains(unreachable)); // said once per outage, not over and over

            uploader.Terminate();
            downloader.Terminate();
            await uploader.WaitAsync(Long);
            await downloader.WaitAsync(Long);
            Assert.True(uploader.ExitCode == 0, uploader.Stderr);
            Assert.True(downloader.ExitCode == 0, downloader.Stderr);
            Assert.Equal(before, File.ReadAllBytes(Path.Combine(output, "before.dat")));
            Assert.Equal(large, File.ReadAllBytes(Path.Combine(output, "during outage.raw")));
            Assert.Equal(small, File.ReadAllBytes(Path.Combine(output, "während; 2.csv")));
            Assert.Equal(3, downloader.Stdout.Split('\n').Count(l => l.StartsWith("received ", StringComparison.Ordinal)));
            using (UploadRegistry registry = UploadRegistry.OpenExisting(state, Topic)!)
            {
                Assert.Equal(3, registry.All(UploadStatus.Sent).Count);
            }
            // Sent once: every chunk key on the topic exactly once (1 + 10 + 1 chunks).
            string[] keys = _broker.ReadAllRaw(Topic, expected: 12).Select(r => System.Text.Encoding.UTF8.GetString(r.Message.Key)).ToArray();
            Assert.Equal(12, keys.Length);
            Assert.Equal(12, keys.Distinct().Count());
        }
    }
}
