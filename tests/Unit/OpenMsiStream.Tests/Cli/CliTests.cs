using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using OpenMsiStream.Config;
using OpenMsiStream.Download;
using OpenMsiStream.Tests.Kafka;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.Cli
{
    /// <summary>The `openmsistream` command as separate processes: what scripts and services see.</summary>
    public class CliTests : IDisposable
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
        private readonly TempDirectory _temp = new TempDirectory("cli");

        public void Dispose() => _temp.Dispose();

        [Fact]
        public async Task FilesSentByOneProcessAreRebuiltByteIdenticalByAnother()
        {
            using var broker = new EmbeddedBroker(4, "cli-data");
            string config = _temp.Combine("broker.config");
            broker.Broker.WriteConfigFile(config);
            string source = _temp.Combine("source");
            string[] paths = EndToEndTests.AwkwardNames.Select((name, i) => _temp.WriteFile(Path.Combine("source", name), name == "empty.dat" ? Array.Empty<byte>() : TestData.Bytes(20_000 + i * 7000, seed: i))).ToArray();

            using CliProcess upload = await CliProcess.RunAsync(Timeout, new[] { "upload-file" }.Concat(paths).Concat(new[] { "--topic", "cli-data", "--config", config, "--chunk-size", "16384", "--root-directory", source }).ToArray());
            Assert.True(upload.ExitCode == 0, upload.Stderr);
            Assert.Equal(paths.Length, upload.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("sent ")));

            string output = _temp.Combine("received");
            using CliProcess download = await CliProcess.RunAsync(Timeout, "download-directory", output, "--topic", "cli-data", "--config", config, "--count", paths.Length.ToString(), "--idle-timeout", "30");
            Assert.True(download.ExitCode == 0, download.Stderr);

            Assert.Equal(EndToEndTests.AwkwardNames.OrderBy(n => n, StringComparer.Ordinal), TestData.RelativeFiles(output));
            foreach (string name in EndToEndTests.AwkwardNames)
            {
                Assert.Equal(File.ReadAllBytes(Path.Combine(source, name)), File.ReadAllBytes(Path.Combine(output, name)));
                Assert.Contains($"received {name} (", download.Stdout);
            }
            // Beside the user's files only the record of what was received stays: no staging folder, no lock.
            Assert.Equal(new[] { DownloadRegistry.DatabaseFileName }, Directory.GetFileSystemEntries(Path.Combine(output, ".openmsistream")).Select(Path.GetFileName));
        }

        [Fact]
        public async Task TheLocalBrokerServesOtherProcessesAndStopsCleanlyOnSigterm()
        {
            string config = _temp.Combine("local.config");
            using CliProcess broker = CliProcess.Start("local-broker", "--config-out", config, "--topic", "shared", "--partitions", "2");
            await WaitForFile(config, broker);
            KafkaSettings settings = KafkaSettings.FromFile(config);
            string file = _temp.WriteFile("note.txt", TestData.Bytes(5000));

            using (var sender = new FileSender(settings, new SendOptions("shared")))
            {
                sender.Connect(default);
                SentFile sent = await sender.SendAsync(FileToSend.Create(file), null, default);
                Assert.InRange(sent.Partition, 0, 1);
            }
            var observer = new RecordingObserver();
            using (var receiver = new FileReceiver(settings, new ReceiveOptions("shared") { Count = 1, IdleTimeout = TimeSpan.FromSeconds(30) }))
            {
                receiver.Run(observer, default);
            }
            Assert.Equal(File.ReadAllBytes(file), Assert.Single(observer.Files).Bytes);

            broker.Terminate();
            await broker.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, broker.ExitCode);
            Assert.Contains("Embedded local broker stopped.", broker.Stdout);
        }

        [Fact]
        public async Task TheLocalBrokerSaysNothingBeforeItsTopicsAndItsConfigFileExist()
        {
            // A tutorial's second terminal (and a script) goes on at the broker's first line: the config
            // file it names must be there by then, however long the topics took to create.
            string config = _temp.Combine("ready.config");
            using CliProcess broker = CliProcess.Start("local-broker", "--config-out", config, "--topic", "first", "--topic", "second", "--topic", "third", "--topic", "fourth");
            DateTime deadline = DateTime.UtcNow.AddSeconds(60);
            while (broker.Stdout.Length == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(2);
            }
            bool configThere = File.Exists(config);
            string firstOutput = broker.Stdout;

            Assert.True(configThere, $"the broker printed before writing its config file:\n{firstOutput}");
            Assert.StartsWith("Created topic 'first' with 4 partitions.", firstOutput);
            broker.Terminate();
            await broker.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, broker.ExitCode);
            Assert.Contains($"listening on {KafkaSettings.FromFile(config).BootstrapServers}", broker.Stdout); // the file written whole, for this broker
        }

        [Fact]
        public async Task NamingAKeyExchangeTopicBesideItsRootIsNotAnError()
        {
            // Creating a root creates its key-exchange topics; naming one of them again (as a Python
            // KafkaCrypto setup might) must start the broker all the same.
            string config = _temp.Combine("kcv.config");
            using CliProcess broker = CliProcess.Start("local-broker", "--config-out", config, "--topic", "kcv", "--topic", "kcv.reqs");
            await WaitForFile(config, broker);

            broker.Terminate();
            await broker.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, broker.ExitCode);
            Assert.Contains("Created topic 'kcv' with 4 partitions.", broker.Stdout);
            Assert.Contains("Topic 'kcv.reqs' exists already with 1 partition(s): a topic's KafkaCrypto key-exchange topics (.reqs, .keys, .subs) are created with it.", broker.Stdout);
            Assert.DoesNotContain("error", broker.Stderr);
        }

        [Fact]
        public async Task AnUnreachableBrokerEndsWithExitCode1AndOneLineSayingWhy()
        {
            string file = _temp.WriteFile("a.dat", new byte[10]);

            using CliProcess upload = await CliProcess.RunAsync(Timeout, "upload-file", file, "--topic", "t", "--bootstrap-servers", "127.0.0.1:1");

            Assert.Equal(1, upload.ExitCode);
            string line = Assert.Single(upload.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("openmsistream: error BrokerUnreachable: Cannot reach the Kafka broker at 127.0.0.1:1 (the command line): ", line);
            Assert.Contains("Connection refused", line);
        }

        [Fact]
        public async Task AMissingFileIsReportedAndTheOthersAreStillSent()
        {
            using var broker = new EmbeddedBroker(1, "t");
            string present = _temp.WriteFile("present.dat", new byte[10]);
            string missing = _temp.Combine("missing.dat");

            using CliProcess upload = await CliProcess.RunAsync(Timeout, "upload-file", missing, present, "--topic", "t", "--bootstrap-servers", broker.Broker.BootstrapServers);

            Assert.Equal(1, upload.ExitCode);
            Assert.Equal($"openmsistream: error FileNotFound: File '{missing}' does not exist.\n", upload.Stderr);
            Assert.StartsWith("sent present.dat (10 B, 1 chunks, partition 0) sha512 ", upload.Stdout);
        }

        [Fact]
        public async Task TwoFilesUnderOneRelativePathAreNotBothSentAndTheSecondIsNamed()
        {
            using var broker = new EmbeddedBroker(1, "t");
            string first = _temp.WriteFile(Path.Combine("a", "x.csv"), new byte[10]);
            string second = _temp.WriteFile(Path.Combine("b", "x.csv"), new byte[20]);

            using CliProcess upload = await CliProcess.RunAsync(Timeout, "upload-file", first, second, first, "--topic", "t", "--bootstrap-servers", broker.Broker.BootstrapServers);

            Assert.Equal(1, upload.ExitCode);
            Assert.Equal($"openmsistream: error InvalidArgument: '{second}' is not sent: '{first}' is already sent as 'x.csv' by this command, and receivers would keep only one. Give --root-directory so that subdirectories are kept.\n", upload.Stderr);
            string[] sent = upload.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, sent.Length); // the same file twice is allowed: it is one file
            Assert.All(sent, line => Assert.StartsWith("sent x.csv (10 B, 1 chunks, partition 0) sha512 ", line));
        }

        [Theory]
        [InlineData(new[] { "upload-file", "x.dat" }, "openmsistream: usage: Option '--topic' is required.")]
        [InlineData(new[] { "upload-file", "x.dat", "--topic", "t", "--bootstrap-servers", "h:1", "--chunk-size", "1000" }, "openmsistream: error InvalidChunkSize: Chunk size 1000 is not a power of two. Use a power of two such as 524288 (the default), 262144 or 16384.")]
        [InlineData(new[] { "upload-file", "x.dat", "--topic", "bad topic" , "--bootstrap-servers", "h:1" }, "openmsistream: error InvalidTopicName: 'bad topic' is not a valid Kafka topic name: use 1 to 249 of the characters a-z, A-Z, 0-9, '.', '_' and '-' (not '.' or '..' alone).")]
        [InlineData(new[] { "download-directory", "out", "--topic", "t" }, "openmsistream: error NoBrokerSpecified: No broker given: use --config FILE or --bootstrap-servers HOST:PORT (try `openmsistream local-broker` for a local one).")]
        [InlineData(new[] { "process", "t", "--bootstrap-servers", "h:1", "--mode", "Disk", "--", "python3", "x.py" }, "openmsistream: error InvalidArgument: --mode Disk writes files to disk: give --output-directory.")]
        [InlineData(new[] { "process", "t", "--bootstrap-servers", "h:1", "--timeout", "0", "--", "python3" }, "openmsistream: error InvalidArgument: --timeout must be a positive number of seconds (got 0).")]
        [InlineData(new[] { "s3-transfer", "t", "Lab_Bucket", "--bootstrap-servers", "h:1" }, "openmsistream: error InvalidBucketName: 'Lab_Bucket' is not a valid S3 bucket name: use only lower-case letters, digits, '.' and '-'.")]
        [InlineData(new[] { "download-directory", "out", "--topic", "t", "--bootstrap-servers", "h:1", "--count", "0" }, "openmsistream: error InvalidArgument: --count must be at least 1 (got 0).")]
        [InlineData(new[] { "download-directory", "out", "--topic", "t", "--bootstrap-servers", "h:1", "--idle-timeout", "-5" }, "openmsistream: error InvalidArgument: --idle-timeout must be a positive number of seconds (got -5).")]
        [InlineData(new[] { "upload-directory", "in", "--topic", "t", "--bootstrap-servers", "h:1", "--duration", "-1" }, "openmsistream: error InvalidArgument: --duration must be a positive number of seconds (got -1).")]
        [InlineData(new[] { "upload-directory", "in", "--topic", "t", "--bootstrap-servers", "h:1", "--settle-time", "-1" }, "openmsistream: error InvalidArgument: --settle-time must be zero or a positive number of seconds (got -1).")]
        [InlineData(new[] { "upload-directory", "in", "--topic", "t", "--bootstrap-servers", "h:1", "--scan-interval", "0" }, "openmsistream: error InvalidArgument: --scan-interval must be a positive number of seconds (got 0).")]
        [InlineData(new[] { "upload-directory", "in", "--topic", "t", "--bootstrap-servers", "h:1", "--max-rate", "0" }, "openmsistream: error InvalidArgument: --max-rate must be at least 1 (got 0).")]
        [InlineData(new[] { "local-broker", "--topic", "t", "--partitions", "0" }, "openmsistream: error InvalidArgument: --partitions must be between 1 and 10000 (got 0).")]
        public async Task WrongUsageEndsWithExitCode2AndSaysWhatIsWrong(string[] arguments, string firstLine)
        {
            using CliProcess cli = await CliProcess.RunAsync(Timeout, arguments);

            Assert.Equal(2, cli.ExitCode);
            Assert.Equal(firstLine, cli.Stderr.Split('\n')[0]);
        }

        [Fact]
        public async Task AnOutputOrStateDirectoryThatCannotBeCreatedIsOneLineNotAStackTrace()
        {
            string file = _temp.WriteFile("plain-file", new byte[] { 1 });
            Directory.CreateDirectory(_temp.Combine("watched"));

            using CliProcess download = await CliProcess.RunAsync(Timeout, "download-directory", file, "--topic", "t", "--bootstrap-servers", "127.0.0.1:1");
            using CliProcess upload = await CliProcess.RunAsync(Timeout, "upload-directory", _temp.Combine("watched"), "--topic", "t", "--bootstrap-servers", "127.0.0.1:1",
                "--state-directory", Path.Combine(file, "state"));

            Assert.Equal(1, download.ExitCode);
            Assert.Equal($"openmsistream: error OutputWriteFailed: Cannot create the output directory '{file}': '{file}' is a file, not a directory.\n", download.Stderr);
            Assert.Equal(1, upload.ExitCode);
            Assert.EndsWith($"openmsistream: error StateDirectoryUnusable: Cannot create the state directory '{Path.Combine(file, "state")}': '{file}' is a file, not a directory.\n", upload.Stderr);
            Assert.DoesNotContain("   at ", download.Stderr + upload.Stderr);
        }

        [Fact]
        public async Task TheQuickstartRunsTheWholeJobOnTheEmbeddedBroker()
        {
            string output = _temp.Combine("quickstart-output");

            using CliProcess quickstart = await CliProcess.RunAsync(Timeout, "quickstart", "--output-directory", output);

            Assert.True(quickstart.ExitCode == 0, quickstart.Stdout + quickstart.Stderr);
            Assert.Contains("6 of 6 files sent, received and verified byte-identical", quickstart.Stdout);
            Assert.Equal(6, TestData.RelativeFiles(output).Length);
            // Redirected output (a log file, a pipe) is plain text: no colour escape codes.
            Assert.Contains("│ empty.dat ", quickstart.Stdout);
            // Ordinal: a culture-aware search ignores the escape character and would match any '['.
            Assert.DoesNotContain("\u001b[", quickstart.Stdout, StringComparison.Ordinal);
            // It says what it does as it goes, and where to go next.
            Assert.Equal(6, quickstart.Stdout.Split('\n').Count(l => l.StartsWith("  received  ", StringComparison.Ordinal)));
            Assert.Contains("Next steps:", quickstart.Stdout);
        }

        private static async Task WaitForFile(string path, CliProcess process)
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (!File.Exists(path))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"'{path}' did not appear.\n{process.Stdout}\n{process.Stderr}");
                }
                await Task.Delay(50);
            }
        }
    }
}
