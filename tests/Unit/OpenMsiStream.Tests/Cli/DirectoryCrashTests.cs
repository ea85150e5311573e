using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Chunks;
using OpenMsiStream.Config;
using OpenMsiStream.Download;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using OpenMsiStream.UploadDirectory;
using OpenMsiStream.Wire;
using Xunit;

namespace OpenMsiStream.Tests.Cli
{
    /// <summary>
    /// The long-running programs as real processes, killed with SIGKILL at awkward moments and started
    /// again: every file arrives byte-identical, and what the broker acknowledged is not sent again.
    /// The embedded broker lives in the test process and keeps at most 5 MiB per partition, so data
    /// stays below that.
    /// </summary>
    public class DirectoryCrashTests : IDisposable
    {
        private const string Topic = "instrument";
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);
        private readonly TempDirectory _temp = new TempDirectory("crash");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(4, Topic);

        public DirectoryCrashTests()
        {
            Watched = _temp.Combine("watched");
            State = _temp.Combine("state");
            Directory.CreateDirectory(Watched);
            // The embedded broker admits a new member to a group that one just left (or died in) only
            // after the session timeout; a short one keeps these tests quick.
            Config = _temp.Combine("broker.config");
            File.WriteAllText(Config, $"[broker]\nbootstrap.servers = {_broker.Broker.BootstrapServers}\n[consumer]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 1000\n");
        }

        private string Watched { get; }

        private string State { get; }

        private string Config { get; }

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task AnUploaderKilledInTheMiddleOfALargeFileResumesWithTheChunksTheBrokerLacked()
        {
            byte[] large = TestData.Bytes(3 * 1024 * 1024, seed: 7); // 192 chunks of 16 KiB, top level
            File.WriteAllBytes(Path.Combine(Watched, "large.raw"), large);

            using (CliProcess first = StartUploader("--chunk-size", "16384", "--max-rate", "300000"))
            {
                await first.WaitUntilAsync(() => AcknowledgedChunks("large.raw") >= 40, Long, "some chunks of large.raw to be acknowledged");
                first.KillHard();
            }
            int acknowledgedBeforeKill = AcknowledgedChunks("large.raw");
            Assert.InRange(acknowledgedBeforeKill, 40, 191);
            File.WriteAllBytes(Path.Combine(Watched, "added while down.dat"), TestData.Bytes(100_000, seed: 8));

            // Restarted with another chunk size: the interrupted file keeps its own, the new file gets the new one.
            using (CliProcess second = StartUploader("--chunk-size", "32768"))
            {
                await second.WaitUntilAsync(() => Status("large.raw") == UploadStatus.Sent && Status("added while down.dat") == UploadStatus.Sent, Long, "both files to be sent");
                second.Terminate();
                await second.WaitAsync(Long);
                Assert.Equal(0, second.ExitCode);
                Assert.Contains("already sent before a restart", second.Stdout);
            }

            List<ConsumeResult<byte[], byte[]>> raw = _broker.ReadAllRaw(Topic, expected: 192 + 4);
            string[] largeKeys = KeysOf(raw, "_large.raw_chunk_");
            Assert.Equal(Enumerable.Range(1, 192).Select(i => $"_large.raw_chunk_{i}_of_192"), largeKeys.Distinct().OrderBy(k => int.Parse(k.Split('_')[3])));
            int resent = largeKeys.Length - 192;
            Assert.True(resent <= 192 - acknowledgedBeforeKill, $"{resent} chunks were sent twice; {acknowledgedBeforeKill} had been acknowledged");
            // Only acknowledgements of the last registry save interval (250 ms) can be lost with the process:
            // at 300 KB/s in 16 KiB chunks that is under 5 chunks (1 was seen in three runs).
            Assert.True(resent <= 8, $"{resent} chunks of the large file were sent twice");
            Assert.Equal(new[] { "_added while down.dat_chunk_1_of_4", "_added while down.dat_chunk_2_of_4", "_added while down.dat_chunk_3_of_4", "_added while down.dat_chunk_4_of_4" },
                KeysOf(raw, "_added while down.dat_chunk_").OrderBy(k => k));

            RecordingObserver received = Receive(count: 2);
            Assert.Equal(large, File.ReadAllBytes(received.Files.Single(f => f.RelativePath == "large.raw").FullName!));
        }

        [Theory]
        [InlineData("could not reach the broker")]
        [InlineData("was killed before its first scan")]
        public async Task FilesWrittenAfterAFirstRunThatNeverStartedWatchingAreSentByTheNextRun(string firstRun)
        {
            string old = Path.Combine(Watched, "there before.dat");
            File.WriteAllBytes(old, TestData.Bytes(100, seed: 1));
            File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-1));
            var firstArguments = new List<string> { "upload-directory", Watched, "--topic", Topic, "--state-directory", State, "--settle-time", "0.3" };
            if (firstRun == "could not reach the broker")
            {
                using CliProcess unreachable = await CliProcess.RunAsync(Long, firstArguments.Concat(new[] { "--bootstrap-servers", "127.0.0.1:1" }).ToArray());
                Assert.NotEqual(0, unreachable.ExitCode);
                Assert.Contains("BrokerUnreachable", unreachable.Stderr);
            }
            else
            {
                _broker.Broker.SetReachable(false); // it hangs in its connection check until killed
                using CliProcess killed = CliProcess.Start(firstArguments.Concat(new[] { "--config", Config }).ToArray());
                // Killed once its start is on record (before that, it never ran as far as this test is about;
                // a fixed delay killed it earlier than that on a loaded machine).
                await killed.WaitUntilAsync(() => FirstStartRecorded(), Long, "the first start to be recorded");
                await Task.Delay(TimeSpan.FromSeconds(0.5));
                Assert.False(killed.HasExited, killed.Stderr);
                Assert.DoesNotContain("watching", killed.Stderr);
                killed.KillHard();
                _broker.Broker.SetReachable(true);
            }
            File.WriteAllBytes(Path.Combine(Watched, "new.bin"), TestData.Bytes(1000, seed: 2));
            await Task.Delay(TimeSpan.FromSeconds(3)); // the next start is more than its 2 s of slack after the file

            using CliProcess next = CliProcess.Start(firstArguments.Concat(new[] { "--config", Config }).ToArray());
            await next.WaitUntilAsync(() => Status("new.bin") == UploadStatus.Sent, Long, "new.bin to be sent; " + next.Stdout + next.Stderr);
            next.Terminate();
            await next.WaitAsync(Long);

            Assert.Equal(UploadStatus.Skipped, Status("there before.dat"));
            Assert.Contains("sent new.bin", next.Stdout);
        }

        [Fact]
        public async Task AnUploaderKilledInTheMiddleOfABatchOfSmallFilesSendsAgainOnlyTheFilesInFlightAtTheKill()
        {
            var contents = new Dictionary<string, byte[]>();
            for (int i = 0; i < 120; i++)
            {
                // The registry must survive the kill whatever the names hold: tabs, quotes, ';', non-ASCII.
                string name = (i % 3) switch
                {
                    0 => $"batch/sample {i:000}; ü.csv",
                    1 => $"batch/tab\t{i:000} 測定.csv",
                    _ => $"batch/quotes '{i:000}' \"x\".csv",
                };
                contents[name] = TestData.Bytes(4000 + i, seed: i);
                _temp.WriteFile(Path.Combine("watched", name), contents[name]);
            }

            string printed;
            using (CliProcess first = StartUploader("--max-rate", "100000"))
            {
                await first.WaitUntilAsync(() => SentCount() >= 30, Long, "30 files to be sent");
                first.KillHard();
                await first.WaitAsync(Long);
                printed = first.Stdout;
            }
            // What the registry holds as sent after kill -9: these files must never go out again.
            string[] recordedSent = SentPaths();
            Assert.InRange(recordedSent.Length, 30, 119);

            using (CliProcess second = StartUploader())
            {
                await second.WaitUntilAsync(() => SentCount() == 120, Long, "all 120 files to be sent");
                second.Terminate();
                await second.WaitAsync(Long);
                printed += second.Stdout;
            }
            // Each file is reported sent exactly once across the kill and the restart.
            List<string> reported = SentLines(printed);
            Assert.Equal(120, reported.Count);
            Assert.All(contents.Keys, name => Assert.Single(reported, line => line.StartsWith("sent " + name + " (", StringComparison.Ordinal)));

            List<ConsumeResult<byte[], byte[]>> raw = _broker.ReadAllRaw(Topic, expected: 120);
            string[] keys = raw.Select(r => Encoding.UTF8.GetString(r.Message.Key)).ToArray();
            Assert.Equal(120, keys.Distinct().Count());
            // Only files in flight at the kill (sent, their acknowledgement not yet saved) may go out twice,
            // never one the registry had recorded as sent, however late the last save came on a loaded machine.
            Assert.All(contents.Keys, name => Assert.Single(keys.Distinct(), key => key.StartsWith(ChunkMessageKey.Prefix(name) + "_", StringComparison.Ordinal))); // the mapping below sees every file
            string[] sentTwice = keys.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
            string[] resentAfterRecorded = recordedSent.Where(path => sentTwice.Any(key => key.StartsWith(ChunkMessageKey.Prefix(path) + "_", StringComparison.Ordinal))).ToArray();
            Assert.True(resentAfterRecorded.Length == 0,
                $"{resentAfterRecorded.Length} file(s) recorded as sent before the kill were sent again: {string.Join(", ", resentAfterRecorded)}");
            Assert.Equal(keys.Length - 120, sentTwice.Length); // and each of those at most twice

            RecordingObserver received = Receive(count: 120);
            foreach (KeyValuePair<string, byte[]> file in contents)
            {
                Assert.Equal(file.Value, File.ReadAllBytes(received.Files.Single(f => f.RelativePath == file.Key).FullName!));
            }
        }

        [Fact]
        public async Task AnUploaderKilledRightAfterReportingFilesSentNeverReportsThemAgain()
        {
            var names = Enumerable.Range(0, 80).Select(i => $"run/spectrum {i:000}.csv").ToList();
            names.ForEach(name => _temp.WriteFile(Path.Combine("watched", name), TestData.Bytes(3000, seed: name.Length + name[^5])));

            string printed;
            using (CliProcess first = StartUploader("--max-rate", "100000"))
            {
                // Killed right after its output said files were sent: what it said must be on record.
                await first.WaitUntilAsync(() => SentLines(first.Stdout).Count >= 20, Long, "20 files to be reported sent");
                first.KillHard();
                await first.WaitAsync(Long);
                printed = first.Stdout;
            }
            using (CliProcess second = StartUploader())
            {
                await second.WaitUntilAsync(() => SentCount() == 80, Long, "all 80 files to be sent");
                second.Terminate();
                await second.WaitAsync(Long);
                printed += second.Stdout;
            }

            List<string> reported = SentLines(printed);
            Assert.All(names, name => Assert.Single(reported, line => line.StartsWith("sent " + name + " (", StringComparison.Ordinal)));
            Assert.Equal(80, reported.Count);
        }

        [Fact]
        public async Task ARestartSendsOnlyWhatChangedAndAFileChangedAfterItWasSentArrivesInItsNewVersion()
        {
            File.WriteAllBytes(Path.Combine(Watched, "catalog.txt"), TestData.Bytes(500, seed: 1));
            File.WriteAllBytes(Path.Combine(Watched, "unchanged.dat"), TestData.Bytes(500, seed: 2));
            File.WriteAllBytes(Path.Combine(Watched, ".hidden"), TestData.Bytes(5, seed: 3));
            Directory.CreateDirectory(Path.Combine(Watched, "blog"));
            File.WriteAllBytes(Path.Combine(Watched, "blog", "dialogue.csv"), TestData.Bytes(500, seed: 4));
            string stateInside = Path.Combine(Watched, "state-inside");

            using (CliProcess first = StartUploader("--state-directory", stateInside))
            {
                await first.WaitUntilAsync(() => first.Stdout.Split('\n').Count(l => l.StartsWith("sent ")) == 3, Long, "three files to be sent");
                first.Terminate();
                await first.WaitAsync(Long);
            }
            byte[] changed = TestData.Bytes(700, seed: 5);
            File.WriteAllBytes(Path.Combine(Watched, "catalog.txt"), changed);
            File.SetLastWriteTimeUtc(Path.Combine(Watched, "catalog.txt"), DateTime.UtcNow.AddMinutes(1));

            using (CliProcess second = StartUploader("--state-directory", stateInside))
            {
                await second.WaitUntilAsync(() => second.Stdout.Contains("sent catalog.txt"), Long, "the changed file to be sent");
                await Task.Delay(1500); // time enough to (wrongly) send anything else
                second.Terminate();
                await second.WaitAsync(Long);
                Assert.Equal(new[] { "sent catalog.txt" }, second.Stdout.Split('\n').Where(l => l.StartsWith("sent ")).Select(l => l.Substring(0, l.IndexOf(" (", StringComparison.Ordinal))));
            }

            List<ConsumeResult<byte[], byte[]>> raw = _broker.ReadAllRaw(Topic, expected: 4);
            Assert.Equal(new[] { "_catalog.txt_chunk_1_of_1", "_catalog.txt_chunk_1_of_1", "_unchanged.dat_chunk_1_of_1", "blog_dialogue.csv_chunk_1_of_1" },
                raw.Select(r => Encoding.UTF8.GetString(r.Message.Key)).OrderBy(k => k, StringComparer.Ordinal));
            RecordingObserver received = Receive(count: 4); // catalog.txt arrives twice: its old version, then its new one
            Assert.Equal(changed, File.ReadAllBytes(_temp.Combine("received", "catalog.txt")));
            Assert.False(File.Exists(_temp.Combine("received", ".hidden")));
            Assert.DoesNotContain(received.Files, f => f.RelativePath.StartsWith("state-inside", StringComparison.Ordinal));
        }

        [Fact]
        public async Task WithoutAStateDirectoryTheRegistryLivesUnderOpenMsiStreamHomeWhereUploadStateFindsIt()
        {
            // A service sets $OPENMSISTREAM_HOME to its own data directory: its upload registry belongs there
            // too, not in the profile of whatever account the service runs as.
            File.WriteAllBytes(Path.Combine(Watched, "run 1.csv"), TestData.Bytes(900, seed: 11));
            string home = _temp.Combine("home");
            var environment = new Dictionary<string, string?> { ["OPENMSISTREAM_HOME"] = home };

            using (CliProcess uploader = CliProcess.StartWith(environment, "upload-directory", Watched, "--topic", Topic, "--config", Config, "--upload-existing", "--settle-time", "0.3"))
            {
                await uploader.WaitUntilAsync(() => uploader.Stdout.Contains("sent run 1.csv"), Long, "the file to be sent");
                uploader.Terminate();
                await uploader.WaitAsync(Long);
                Assert.Equal(0, uploader.ExitCode);
            }

            string stateDirectory = Assert.Single(Directory.GetDirectories(Path.Combine(home, "uploads")));
            Assert.StartsWith("watched-", Path.GetFileName(stateDirectory));
            using (UploadRegistry registry = UploadRegistry.OpenExisting(stateDirectory, Topic)!)
            {
                Assert.Equal(UploadStatus.Sent, registry.Find("run 1.csv")!.Status);
            }
            using CliProcess state = await CliProcess.RunWithAsync(environment, Long, "upload-state", Watched);
            Assert.True(state.ExitCode == 0, state.Stdout + state.Stderr);
            Assert.Contains("run 1.csv", state.Stdout);
            Assert.Contains("Sent", state.Stdout);
        }

        [Fact]
        public async Task AFileAppendedToWhileItIsSentEndsUpWithItsFinalContent()
        {
            string path = Path.Combine(Watched, "growing.log.csv");
            File.WriteAllBytes(path, TestData.Bytes(800_000, seed: 1));
            var observer = new RecordingObserver();
            using var receiver = new FileReceiver(KafkaSettings.FromFile(Config), new ReceiveOptions(Topic) { OutputDirectory = _temp.Combine("received"), IdleTimeout = TimeSpan.FromSeconds(60) });
            using var stopReceiving = new CancellationTokenSource();
            Task receiving = Task.Run(() => receiver.Run(observer, stopReceiving.Token));

            byte[] final;
            using (CliProcess uploader = StartUploader("--chunk-size", "16384", "--max-rate", "400000"))
            {
                await uploader.WaitUntilAsync(() => AcknowledgedChunks("growing.log.csv") >= 5, Long, "the first chunks to be acknowledged");
                using (var stream = new FileStream(path, FileMode.Append))
                {
                    stream.Write(TestData.Bytes(150_000, seed: 2));
                }
                final = File.ReadAllBytes(path);
                string finalHash = TestData.Sha512Hex(final);
                await uploader.WaitUntilAsync(() => observer.Files.Any(f => f.Sha512 == finalHash), Long, "the final content to arrive");
                uploader.Terminate();
                await uploader.WaitAsync(Long);
            }
            stopReceiving.Cancel();
            await receiving;

            Assert.Equal(final, File.ReadAllBytes(_temp.Combine("received", "growing.log.csv")));
        }

        [Fact]
        public async Task PollingOnlyUploadsFilesCreatedAfterTheStart()
        {
            using CliProcess uploader = StartUploader("--polling", "--scan-interval", "0.5");
            await uploader.WaitUntilAsync(() => uploader.Stderr.Contains("watching"), Long, "the uploader to start");
            byte[] content = TestData.Bytes(2000, seed: 9);
            _temp.WriteFile(Path.Combine("watched", "late", "arrival.dat"), content);

            await uploader.WaitUntilAsync(() => uploader.Stdout.Contains("sent late/arrival.dat"), Long, "the new file to be sent");
            uploader.Terminate();
            await uploader.WaitAsync(Long);

            RecordingObserver received = Receive(count: 1);
            Assert.Equal(content, received.Files.Single().Bytes ?? File.ReadAllBytes(received.Files.Single().FullName!));
        }

        [Fact]
        public async Task ADownloaderKilledInTheMiddleOfAFileCompletesItAfterARestartWithTheSameGroup()
        {
            string source = _temp.WriteFile(Path.Combine("src", "top-level.raw"), TestData.Bytes(300_000, seed: 3));
            OutgoingChunk[] chunks = FileChunkReader.Open(source, "", 16384, default).ReadChunks(default).ToArray(); // 19 chunks
            _broker.ProduceRaw(Topic, chunks.Take(10).Select(c => (c.Key, c.Value)), partition: 1);
            string output = _temp.Combine("received");

            using (CliProcess first = StartDownloader(output, "--group-id", "archive"))
            {
                await first.WaitUntilAsync(() => StagedChunkCount(output) == 10, Long, "ten chunks to be staged");
                first.KillHard();
            }
            _broker.ProduceRaw(Topic, chunks.Skip(10).Select(c => (c.Key, c.Value)), partition: 1);

            using (CliProcess second = StartDownloader(output, "--group-id", "archive", "--count", "1", "--idle-timeout", "30"))
            {
                await second.WaitAsync(Long);
                Assert.True(second.ExitCode == 0, second.Stderr);
                Assert.Contains("received top-level.raw", second.Stdout);
            }
            Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(Path.Combine(output, "top-level.raw")));
            Assert.False(Directory.Exists(Path.Combine(output, ".openmsistream", "staging")), "nothing in progress is left, not even its folder");
        }

        [Fact]
        public async Task TwoConsumerProcessesInOneGroupRebuildEveryFileExactlyOnce()
        {
            string outputA = _temp.Combine("a"), outputB = _temp.Combine("b");
            // No idle timeout: on a loaded machine the first one idled out before the second had joined.
            // Both run until every file is in one output or the other, then are stopped as a service manager does.
            using CliProcess a = StartDownloader(outputA, "--group-id", "pair", "--verbose");
            await a.WaitUntilAsync(() => a.Stderr.Contains("Assigned partitions [0, 1, 2, 3]"), Long, "the first consumer to own every partition");
            using CliProcess b = StartDownloader(outputB, "--group-id", "pair", "--verbose");
            await b.WaitUntilAsync(() => a.Stderr.Split('\n').Count(l => l.Contains("Assigned partitions")) >= 2 && b.Stderr.Contains("Assigned partitions ["), Long, "the group to split the partitions");

            var contents = new Dictionary<string, byte[]>();
            using (var sender = new FileSender(_broker.Settings, new SendOptions(Topic)))
            {
                sender.Connect(default);
                var sends = new List<Task<SentFile>>();
                for (int i = 0; i < 200; i++)
                {
                    string name = $"run{i % 7}/file {i:000}.dat";
                    contents[name] = TestData.Bytes(1500 + i, seed: i);
                    sends.Add(sender.SendAsync(FileToSend.Create(_temp.WriteFile(Path.Combine("src", name), contents[name]), _temp.Combine("src")), null, default));
                }
                await Task.WhenAll(sends);
            }
            await a.WaitUntilAsync(() => new[] { outputA, outputB }.Where(Directory.Exists).Sum(o => TestData.RelativeFiles(o).Length) >= contents.Count, Long, "every file to arrive");
            a.Terminate();
            b.Terminate();
            await a.WaitAsync(Long);
            await b.WaitAsync(Long);
            Assert.True((a.ExitCode, b.ExitCode) == (0, 0), $"exit codes {a.ExitCode} and {b.ExitCode}\nfirst:\n{a.Stderr}\nsecond:\n{b.Stderr}");

            string[] inA = TestData.RelativeFiles(outputA), inB = TestData.RelativeFiles(outputB);
            Assert.Empty(inA.Intersect(inB));
            Assert.Equal(contents.Keys.OrderBy(k => k, StringComparer.Ordinal), inA.Concat(inB).OrderBy(k => k, StringComparer.Ordinal));
            Assert.True(inA.Length > 0 && inB.Length > 0, $"one consumer got everything ({inA.Length} / {inB.Length})");
            foreach (string name in inA)
            {
                Assert.Equal(contents[name], File.ReadAllBytes(Path.Combine(outputA, name)));
            }
            foreach (string name in inB)
            {
                Assert.Equal(contents[name], File.ReadAllBytes(Path.Combine(outputB, name)));
            }
        }

        private CliProcess StartUploader(params string[] extra)
        {
            var arguments = new List<string> { "upload-directory", Watched, "--topic", Topic, "--config", Config, "--upload-existing", "--settle-time", "0.3" };
            if (!extra.Contains("--state-directory"))
            {
                arguments.AddRange(new[] { "--state-directory", State });
            }
            arguments.AddRange(extra);
            return CliProcess.Start(arguments.ToArray());
        }

        private CliProcess StartDownloader(string output, params string[] extra) =>
            CliProcess.Start(new[] { "download-directory", output, "--topic", Topic, "--config", Config }.Concat(extra).ToArray());

        private RecordingObserver Receive(int count)
        {
            var observer = new RecordingObserver();
            using var receiver = new FileReceiver(_broker.Settings, new ReceiveOptions(Topic) { OutputDirectory = _temp.Combine("received"), Count = count, IdleTimeout = TimeSpan.FromSeconds(30) });
            receiver.Run(observer, default);
            Assert.Empty(observer.Errors);
            Assert.Equal(count, observer.Files.Count);
            return observer;
        }

        private static string[] KeysOf(IEnumerable<ConsumeResult<byte[], byte[]>> raw, string prefix) =>
            raw.Select(r => Encoding.UTF8.GetString(r.Message.Key)).Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToArray();

        private UploadRecord? Record(string relativePath)
        {
            using UploadRegistry? registry = UploadRegistry.OpenExisting(State, Topic);
            return registry?.Find(relativePath);
        }

        private static List<string> SentLines(string stdout) => stdout.Split('\n').Where(l => l.StartsWith("sent ", StringComparison.Ordinal)).ToList();

        private int AcknowledgedChunks(string relativePath) => Record(relativePath)?.ChunksAcknowledged ?? 0;

        private UploadStatus? Status(string relativePath) => Record(relativePath)?.Status;

        private bool FirstStartRecorded()
        {
            try
            {
                return UploadRegistry.Topics(State).Contains(Topic);
            }
            catch (Microsoft.Data.Sqlite.SqliteException)
            {
                return false; // the database exists, its tables not yet
            }
        }

        private string[] SentPaths()
        {
            using UploadRegistry? registry = UploadRegistry.OpenExisting(State, Topic);
            return registry?.All(UploadStatus.Sent).Select(r => r.RelativePath).ToArray() ?? Array.Empty<string>();
        }

        private int SentCount()
        {
            using UploadRegistry? registry = UploadRegistry.OpenExisting(State, Topic);
            return registry?.All(UploadStatus.Sent).Count ?? 0;
        }

        private static int StagedChunkCount(string output)
        {
            string database = Path.Combine(output, ".openmsistream", DownloadRegistry.DatabaseFileName);
            if (!File.Exists(database))
            {
                return 0;
            }
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM staged_chunks";
            try
            {
                return Convert.ToInt32(command.ExecuteScalar());
            }
            catch (Microsoft.Data.Sqlite.SqliteException)
            {
                return 0; // not created yet
            }
        }
    }
}
