using System;
using System.Collections.Generic;
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
    /// <summary>
    /// <c>download-directory</c> as a separate process against messages a producer with write access
    /// to the topic chose: whatever the names and fields hold, its one-line-per-file output stays
    /// truthful, nothing is left half done, and it goes on with the next file.
    /// </summary>
    public sealed class HostileProducerCliTests : IDisposable
    {
        private const string Topic = "hostile";
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);
        private readonly TempDirectory _temp = new TempDirectory("hostile-cli");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(1, Topic);

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task NamesWithControlCharactersArePrintedEscapedSoTheyCannotForgeLinesOrReachTheTerminal()
        {
            Produce(OneChunk("x\nreceived fake.txt", seed: 1), OneChunk("carriage\rreturn.csv", seed: 2), OneChunk("\u001b[31mred\u001b[0m.csv", seed: 3), OneChunk("plain.csv", seed: 4));

            using CliProcess receiver = await CliProcess.RunAsync(Long, "download-directory", Output, "--topic", Topic, "--bootstrap-servers", _broker.Broker.BootstrapServers, "--count", "4");

            Assert.Equal(0, receiver.ExitCode);
            string[] lines = receiver.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(4, lines.Length);
            Assert.All(lines, line => Assert.StartsWith("received ", line));
            Assert.Single(lines, l => l.StartsWith("received x\\nreceived fake.txt (", StringComparison.Ordinal));
            Assert.Single(lines, l => l.StartsWith("received carriage\\rreturn.csv (", StringComparison.Ordinal));
            Assert.Single(lines, l => l.StartsWith("received \\u001b[31mred\\u001b[0m.csv (", StringComparison.Ordinal));
            Assert.DoesNotContain('\u001b', receiver.Stdout + receiver.Stderr);
            Assert.DoesNotContain('\r', receiver.Stdout + receiver.Stderr);
            // The files themselves keep their real names.
            Assert.True(File.Exists(Path.Combine(Output, "x\nreceived fake.txt")));
            Assert.True(File.Exists(Path.Combine(Output, "\u001b[31mred\u001b[0m.csv")));
        }

        [Fact]
        public async Task AnAbsurdMtimeIsIgnoredAndTheFileIsReceivedAndRecorded()
        {
            Produce(OneChunk("far future.csv", seed: 1, mtime: 1e300), OneChunk("next.csv", seed: 2));

            using CliProcess receiver = await CliProcess.RunAsync(Long, "download-directory", Output, "--topic", Topic, "--bootstrap-servers", _broker.Broker.BootstrapServers, "--count", "2", "--group-id", "archive");

            Assert.Equal(0, receiver.ExitCode);
            Assert.DoesNotContain("error ", receiver.Stderr);
            Assert.Contains("received far future.csv (", receiver.Stdout);
            Assert.Contains("received next.csv (", receiver.Stdout);
            using var registry = OpenMsiStream.Download.DownloadRegistry.Open(Path.Combine(Output, ".openmsistream"), Topic, "archive");
            OpenMsiStream.Download.FileGeneration recorded = registry.FindReceived("far future.csv")!;
            Assert.NotNull(recorded);
            Assert.Null(recorded.Mtime);
        }

        [Fact]
        public async Task ARefusedOverLongPathLeavesNoDirectoriesBehindAndTheNextFileArrives()
        {
            // 25 levels of 200 characters: more than the 4096 bytes a Linux path may have.
            string tooDeep = string.Join("/", Enumerable.Range(0, 25).Select(i => $"level{i:00}" + new string('x', 193)));
            Produce(OneChunk("deep.csv", seed: 1, subdirectory: tooDeep), OneChunk("after.csv", seed: 2));

            using CliProcess receiver = await CliProcess.RunAsync(Long, "download-directory", Output, "--topic", Topic, "--bootstrap-servers", _broker.Broker.BootstrapServers, "--count", "1");

            Assert.True(receiver.Stdout.Contains("received after.csv ("), receiver.Stdout + receiver.Stderr);
            Assert.Contains("error OutputWriteFailed: Could not write 'level00", receiver.Stderr);
            Assert.Equal(new[] { ".openmsistream", "after.csv" }, Directory.GetFileSystemEntries(Output).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
        }

        [Fact]
        public async Task AFloodOfFilesThatNeverCompleteIsBoundedAndARealFileStillArrives()
        {
            // 300 files that claim two chunks and send one, then a real file.
            var never = Enumerable.Range(0, 300).Select(i => Message(ChunkFactory.Split(TestData.Bytes(2000, seed: i), 1024, "flood", $"never {i:000}.dat")[0]));
            Produce(never.Append(OneChunk("real.csv", seed: 7)).ToArray());

            using CliProcess receiver = await CliProcess.RunAsync(Long, "download-directory", Output, "--topic", Topic, "--bootstrap-servers", _broker.Broker.BootstrapServers,
                "--group-id", "archive", "--count", "1", "--max-files-in-progress", "50");

            Assert.Contains("received real.csv (", receiver.Stdout);
            string[] abandoned = receiver.Stderr.Split('\n').Where(l => l.Contains("error IncompleteFileAbandoned: Gave up on 'flood/never ")).ToArray();
            Assert.Equal(250, abandoned.Length);
            Assert.Contains("more than 50 files were in progress at once", abandoned[0]);
            Assert.Equal(50, Directory.GetFiles(Path.Combine(Output, ".openmsistream", "staging"), "*.part", SearchOption.AllDirectories).Length);
        }

        private string Output => _temp.Combine("received");

        private static (byte[] Key, byte[] Value) OneChunk(string filename, int seed, string subdirectory = "", double? mtime = 1000) =>
            Message(ChunkFactory.Split(TestData.Bytes(100 + seed, seed: seed), 1024, subdirectory, filename, mtime).Single());

        private static (byte[] Key, byte[] Value) Message(DataFileChunk chunk) =>
            (Encoding.UTF8.GetBytes(ChunkMessageKey.For(chunk.Subdirectory, chunk.Filename, chunk.ChunkIndex, chunk.TotalChunks)), ChunkMessageSerializer.Serialize(chunk));

        private void Produce(params (byte[] Key, byte[] Value)[] messages) => _broker.ProduceRaw(Topic, messages);
    }
}
