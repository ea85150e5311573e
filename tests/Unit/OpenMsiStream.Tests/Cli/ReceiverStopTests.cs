using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Download;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Wire;
using Xunit;

namespace OpenMsiStream.Tests.Cli
{
    /// <summary>What <c>download-directory</c> says when it stops with files still incomplete, and that it is true.</summary>
    public sealed class ReceiverStopTests : IDisposable
    {
        private const string Topic = "stops";
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);
        private readonly TempDirectory _temp = new TempDirectory("receiver-stop");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(1, Topic);

        public ReceiverStopTests()
        {
            Config = _temp.Combine("broker.config");
            File.WriteAllText(Config, $"[broker]\nbootstrap.servers = {_broker.Broker.BootstrapServers}\n[consumer]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 1000\n");
        }

        private string Config { get; }

        private string Output => _temp.Combine("received");

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task AtSigtermItSaysWhichFilesAreIncompleteAndThatTheNextRunOfItsGroupCompletesThem()
        {
            byte[] content = TestData.Bytes(3000, seed: 5);
            var chunks = ChunkFactory.Split(content, 1024, "run 7", "half.dat");
            Produce(chunks[0], chunks[1]);

            using (CliProcess first = CliProcess.Start("download-directory", Output, "--topic", Topic, "--config", Config, "--group-id", "archive"))
            {
                await first.WaitUntilAsync(() => StagedParts() == 1, Long, "the first chunks to be staged; " + first.Stderr);
                await Task.Delay(1500); // their record is saved every second
                first.Terminate();
                await first.WaitAsync(Long);
                Assert.Equal(0, first.ExitCode);
                Assert.Contains("warning: 1 file(s) incomplete: 'run 7/half.dat' (2 of 3 chunks); 0 file(s) received.", first.Stderr);
                Assert.Contains($"Their chunks stay staged in '{Output}', and the next run in the same consumer group completes them.", first.Stderr);
                Assert.DoesNotContain("another consumer", first.Stderr);
            }

            Produce(chunks[2]);
            using CliProcess second = await CliProcess.RunAsync(Long, "download-directory", Output, "--topic", Topic, "--config", Config, "--group-id", "archive", "--count", "1");
            Assert.Equal(0, second.ExitCode);
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(Output, "run 7", "half.dat")));
        }

        [Fact]
        public async Task WithoutAGroupItSaysTheIncompleteFilesAreDropped()
        {
            var chunks = ChunkFactory.Split(TestData.Bytes(3000, seed: 6), 1024, "", "lost.dat");
            Produce(chunks[0]);

            using CliProcess run = await CliProcess.RunAsync(Long, "download-directory", Output, "--topic", Topic, "--config", Config, "--idle-timeout", "3");

            Assert.Equal(0, run.ExitCode);
            Assert.Contains("warning: 1 file(s) incomplete: 'lost.dat' (1 of 3 chunks); 0 file(s) received.", run.Stderr);
            Assert.Contains("They were not kept: give -GroupId (--group-id) to continue files in a later run.", run.Stderr);
            Assert.Equal(0, StagedParts());
        }

        private int StagedParts() =>
            Directory.Exists(Path.Combine(Output, ".openmsistream", "staging"))
                ? Directory.GetFiles(Path.Combine(Output, ".openmsistream", "staging"), "*.part", SearchOption.AllDirectories).Length
                : 0;

        private void Produce(params DataFileChunk[] chunks) =>
            _broker.ProduceRaw(Topic, chunks.Select(c => (Encoding.UTF8.GetBytes(ChunkMessageKey.For(c.Subdirectory, c.Filename, c.ChunkIndex, c.TotalChunks)), ChunkMessageSerializer.Serialize(c))));
    }
}
