using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using OpenMsiStream.Crypto.Provisioning;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Crypto.Live;
using OpenMsiStream.Tests.Download;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Wire;
using Xunit;

namespace OpenMsiStream.Tests.Cli
{
    /// <summary>`openmsistream lag` and `openmsistream files` as separate processes against the embedded broker.</summary>
    public sealed class InspectionCliTests : IDisposable
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
        private readonly TempDirectory _temp = new TempDirectory("inspection-cli");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, "stock");

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        private string Servers => _broker.Broker.BootstrapServers;

        [Fact]
        public async Task LagPrintsTheBacklogOfAGroupPerPartitionAndASummaryLine()
        {
            string[] paths = Enumerable.Range(0, 3).Select(i => _temp.WriteFile(Path.Combine("src", $"f{i}.dat"), TestData.Bytes(30_000, seed: i))).ToArray();
            // One file after another: a file's chunks follow each other in its partition, so what a group has
            // committed after a whole file is exactly the chunks of the files before it.
            foreach (string path in paths)
            {
                using CliProcess upload = await CliProcess.RunAsync(Timeout, "upload-file", path, "--topic", "stock", "--bootstrap-servers", Servers, "--chunk-size", "16384");
                Assert.True(upload.ExitCode == 0, upload.Stderr);
            }
            using (CliProcess receive = await CliProcess.RunAsync(Timeout, "download-directory", _temp.Combine("out"), "--topic", "stock", "--bootstrap-servers", Servers, "--group-id", "archive", "--count", "1", "--idle-timeout", "30"))
            {
                Assert.True(receive.ExitCode == 0, receive.Stderr);
            }

            using CliProcess lag = await CliProcess.RunAsync(Timeout, "lag", "stock", "--group-id", "archive", "--group-id", "never-read", "--bootstrap-servers", Servers);

            Assert.True(lag.ExitCode == 0, lag.Stderr);
            Assert.Equal(string.Empty, lag.Stderr);
            Row[] rows = Rows(lag.Stdout, 7).Skip(1).Select(r => new Row(r)).ToArray();
            Assert.Equal(new[] { "Group", "Partition", "Committed", "End", "Lag", "Bytes", "Incomplete files" }, Rows(lag.Stdout, 7).First());
            Assert.Equal(new[] { ("archive", 0), ("archive", 1), ("never-read", 0), ("never-read", 1) }, rows.Select(r => (r.Group, r.Partition)));
            // One file of three (two chunks each) was received and committed: two files, four chunks are the backlog.
            Assert.Equal(4, rows.Where(r => r.Group == "archive").Sum(r => r.Lag));
            Assert.Equal(2, rows.Where(r => r.Group == "archive").Sum(r => r.Incomplete));
            Assert.Equal(6, rows.Where(r => r.Group == "never-read").Sum(r => r.Lag));
            Assert.All(rows.Where(r => r.Group == "never-read"), r => Assert.Equal("-", r.Cells[2]));
            Assert.All(rows, r => Assert.Equal(r.Lag, r.End - (r.Cells[2] == "-" ? 0 : long.Parse(r.Cells[2]))));
            string[] lines = Lines(lag.Stdout);
            Assert.Matches(@"^Consumer group 'archive' is 4 message\(s\) behind on topic 'stock': 5\d\.\d KB, 2 file\(s\) not yet complete\.$", lines[^2]);
            Assert.Matches(@"^Consumer group 'never-read' is 6 message\(s\) behind on topic 'stock' \(it has committed no offsets here: it would read the topic from the beginning\): 8\d\.\d KB, 3 file\(s\) not yet complete\.$", lines[^1]);
        }

        [Fact]
        public async Task LagWithoutAGroupOnTheEmbeddedBrokerSaysToNameOneAndTheBrokerLivesOn()
        {
            using CliProcess lag = await CliProcess.RunAsync(Timeout, "lag", "stock", "--bootstrap-servers", Servers);

            Assert.Equal(1, lag.ExitCode);
            Assert.Equal($"openmsistream: error ConsumerGroupsUnlisted: The embedded broker at {Servers} cannot list its consumer groups; name one (-GroupId, --group-id).\n", lag.Stderr);
            Assert.Equal(string.Empty, lag.Stdout);
            // Listing groups would have crashed the broker (and this process with it): it still answers.
            using CliProcess again = await CliProcess.RunAsync(Timeout, "lag", "stock", "--group-id", "g", "--bootstrap-servers", Servers);
            Assert.True(again.ExitCode == 0, again.Stderr);
            Assert.Contains("Consumer group 'g' is up to date on topic 'stock'.", again.Stdout);
        }

        [Theory]
        [InlineData("lag", "missing-topic", "--group-id", "g")]
        [InlineData("files", "missing-topic")]
        public async Task AMissingTopicIsTopicNotFound(params string[] arguments)
        {
            using CliProcess cli = await CliProcess.RunAsync(Timeout, arguments.Concat(new[] { "--bootstrap-servers", Servers }).ToArray());

            Assert.Equal(1, cli.ExitCode);
            Assert.Equal($"openmsistream: error TopicNotFound: Topic 'missing-topic' does not exist on {Servers}.\n", cli.Stderr);
        }

        [Theory]
        [InlineData(new[] { "lag", "stock", "--group-id", "g", "--max-scan-messages", "0" }, "openmsistream: error InvalidArgument: --max-scan-messages must be at least 1 (got 0).")]
        [InlineData(new[] { "files", "stock", "--filter", "([a-z" }, "openmsistream: error InvalidArgument: ")]
        [InlineData(new[] { "files", "stock" }, "openmsistream: error NoBrokerSpecified: ")]
        public async Task WrongUsageEndsWithExitCode2(string[] arguments, string start)
        {
            using CliProcess cli = await CliProcess.RunAsync(Timeout, arguments.Concat(arguments.Length > 2 ? new[] { "--bootstrap-servers", Servers } : Array.Empty<string>()).ToArray());

            Assert.Equal(2, cli.ExitCode);
            Assert.StartsWith(start, cli.Stderr);
        }

        [Fact]
        public async Task FilesListsEveryFileWithAnIncompleteOneAndEndsWithTheSummary()
        {
            string source = _temp.Combine("src");
            _temp.WriteFile(Path.Combine("src", "run 1", "scan.raw"), TestData.Bytes(40_000, seed: 1));
            _temp.WriteFile(Path.Combine("src", "notes.csv"), TestData.Bytes(500, seed: 2));
            using (CliProcess upload = await CliProcess.RunAsync(Timeout, "upload-file", Path.Combine(source, "run 1", "scan.raw"), Path.Combine(source, "notes.csv"),
                "--topic", "stock", "--bootstrap-servers", Servers, "--chunk-size", "16384", "--root-directory", source))
            {
                Assert.True(upload.ExitCode == 0, upload.Stderr);
            }
            // A producer that stopped after the first of three chunks, and a message that is no chunk at all.
            DataFileChunk first = ChunkFactory.Split(TestData.Bytes(3000, seed: 4), 1024, "partial", "half.dat")[0];
            _broker.ProduceRaw("stock", new[]
            {
                (Encoding.UTF8.GetBytes(ChunkMessageKey.For("partial", "half.dat", 1, 3)), ChunkMessageSerializer.Serialize(first)),
                (Encoding.UTF8.GetBytes("junk"), Encoding.UTF8.GetBytes("not a chunk")),
            });

            using CliProcess files = await CliProcess.RunAsync(Timeout, "files", "stock", "--bootstrap-servers", Servers);

            Assert.True(files.ExitCode == 0, files.Stderr);
            Assert.Equal(string.Empty, files.Stderr);
            string[][] rows = Rows(files.Stdout, 8).ToArray();
            Assert.Equal(new[] { "File", "Size", "Chunks", "Versions", "Partition", "First", "Last", "Complete" }, rows[0]);
            Assert.Equal(new[] { "notes.csv", "500 B", "1/1", "1" }, rows[1].Take(4));
            Assert.Equal(new[] { "partial/half.dat", "?", "1/3", "1" }, rows[2].Take(4));
            Assert.Equal(new[] { "run 1/scan.raw", "39.1 KB", "3/3", "1" }, rows[3].Take(4));
            Assert.Equal(new[] { "yes", "no", "yes" }, rows.Skip(1).Select(r => r[7]));
            Assert.True(long.Parse(rows[3][6]) - long.Parse(rows[3][5]) >= 2, "three chunks of scan.raw lie between its first and last offset");
            Assert.True(Regex.IsMatch(Lines(files.Stdout)[^1], @"^3 file\(s\) on topic 'stock': 2 complete, 1 incomplete; 6 message\(s\), \d+\.\d KB; 1 unreadable\.$"), files.Stdout);

            using CliProcess csv = await CliProcess.RunAsync(Timeout, "files", "stock", "--bootstrap-servers", Servers, "--filter", @"\.csv$");
            Assert.True(csv.ExitCode == 0, csv.Stderr);
            Assert.Equal(new[] { "notes.csv" }, Rows(csv.Stdout, 8).Skip(1).Select(r => r[0]));
            Assert.Matches(@"^1 file\(s\) on topic 'stock': 1 complete, 0 incomplete; 6 message\(s\), \d+\.\d KB; 1 unreadable; 4 filtered out\.$", Lines(csv.Stdout)[^1]);
        }

        [Fact]
        public async Task FilesDecryptsAnEncryptedTopicWithTheConfiguredNode()
        {
            CryptoTestNodes.Provision(_temp.Path, "lab_producer", NodeRole.Producer, "stock");
            CryptoTestNodes.Provision(_temp.Path, "lab_consumer", NodeRole.Consumer, "stock");
            string producer = CryptoTestNodes.WriteConfig(_temp.Path, "producer", Servers, "lab_producer");
            string consumer = CryptoTestNodes.WriteConfig(_temp.Path, "consumer", Servers, "lab_consumer");
            string plain = CryptoTestNodes.WriteConfig(_temp.Path, "plain", Servers, null);
            string secret = _temp.WriteFile("secret.csv", TestData.Bytes(30_000, seed: 6));

            // The producer answers the consumer node's key requests while it runs, as an uploader would.
            using var sender = new OpenMsiStream.Upload.FileSender(OpenMsiStream.Config.KafkaSettings.FromFile(producer), new OpenMsiStream.Upload.SendOptions("stock") { ChunkSize = 16384 });
            sender.Connect(default);
            await sender.SendAsync(OpenMsiStream.Upload.FileToSend.Create(secret), null, default);

            using CliProcess decrypted = await CliProcess.RunAsync(Timeout, "files", "stock", "--config", consumer);
            using CliProcess opaque = await CliProcess.RunAsync(Timeout, "files", "stock", "--config", plain);

            Assert.True(decrypted.ExitCode == 0, decrypted.Stderr);
            Assert.Equal(new[] { "secret.csv", "29.3 KB", "2/2", "1" }, Rows(decrypted.Stdout, 8).Skip(1).Single().Take(4));
            Assert.Matches(@"^1 file\(s\) on topic 'stock': 1 complete, 0 incomplete; 2 message\(s\), \d+\.\d KB\.$", Lines(decrypted.Stdout)[^1]);
            // Without the node the ciphertext is no chunk message: nothing is listed, every message is unreadable.
            Assert.True(opaque.ExitCode == 0, opaque.Stderr);
            Assert.Matches(@"^0 file\(s\) on topic 'stock': 0 complete, 0 incomplete; 2 message\(s\), \d+\.\d KB; 2 unreadable\.$", opaque.Stdout.Trim());
        }

        /// <summary>The cells of the table rows (header first) of a Spectre table with <paramref name="columns"/> columns.</summary>
        internal static System.Collections.Generic.IEnumerable<string[]> Rows(string stdout, int columns) =>
            Lines(stdout)
                .Where(line => line.StartsWith("│", StringComparison.Ordinal))
                .Select(line => line.Trim('│').Split('│').Select(cell => cell.Trim()).ToArray())
                .Where(cells => cells.Length == columns);

        internal static string[] Lines(string stdout) => stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

        private sealed class Row
        {
            public Row(string[] cells) => Cells = cells;

            public string[] Cells { get; }

            public string Group => Cells[0];

            public int Partition => int.Parse(Cells[1]);

            public long End => long.Parse(Cells[3]);

            public long Lag => long.Parse(Cells[4]);

            public int Incomplete => int.Parse(Cells[6].TrimEnd('+'));
        }
    }
}
