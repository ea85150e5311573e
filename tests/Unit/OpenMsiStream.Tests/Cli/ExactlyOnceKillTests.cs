using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Processing;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using Xunit;
using Xunit.Abstractions;

namespace OpenMsiStream.Tests.Cli
{
    /// <summary>
    /// `openmsistream process --exactly-once on` as a real process, killed with SIGKILL again and again
    /// while it works through a batch of files, restarted each time. The embedded broker lives in this
    /// test process, so it outlives every kill.
    /// </summary>
    /// <remarks>
    /// The embedded broker runs the transaction protocol without its guarantees
    /// (<see cref="Processing.ExactlyOnceTests.TheEmbeddedBrokerAcceptsTransactionsButNeitherHidesAbortedOnesNorKeepsTheirOffsets"/>):
    /// its read_committed consumers see every result written, committed or not, and it drops offsets
    /// committed in a transaction (so each restart reads the topic again from its start and skips what
    /// the record says was processed). What a real broker would show a read_committed consumer is worked
    /// out from what reached the broker instead: a transaction commits when its EndTxn request arrives
    /// (the processor never aborts one here: no result fails), and one whose producer was killed before
    /// sending it is aborted by the broker when the restarted processor initialises the same
    /// transactional.id. The broker notes when each request arrived; the result messages carry when they
    /// were produced; the test notes when each run started and was killed.
    /// </remarks>
    public sealed class ExactlyOnceKillTests : IDisposable
    {
        private const string Topic = "eos-lab";
        private const string Results = "eos-lab-results";
        private const int Files = 60;
        private const int PartsPerFile = 3;
        private const int Kills = 12;
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);
        private readonly TempDirectory _temp = new TempDirectory("eos-kills");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, Topic, Results);
        private readonly ITestOutputHelper _output;

        public ExactlyOnceKillTests(ITestOutputHelper output) => _output = output;

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task AProcessorKilledAtRandomPointsCommitsEveryFilesResultsInExactlyOneTransaction()
        {
            int seed = Environment.TickCount;
            var random = new Random(seed);
            string where = $"(seed {seed})";
            await Send(Enumerable.Range(0, Files).Select(i => ($"run/sample {i:000}.csv", TestData.Bytes(1500 + i, seed: i))).ToArray());
            string config = _temp.Combine("broker.config");
            // A killed member holds its partitions until its session times out: a short one keeps restarts quick.
            File.WriteAllText(config, $"[broker]\nbootstrap.servers = {_broker.Broker.BootstrapServers}\n[consumer]\nsession.timeout.ms = 3000\nheartbeat.interval.ms = 1000\n");
            string state = _temp.Combine("state");
            // Every request to the broker takes 40 ms, as on a lab network, so that a transaction (five
            // round trips) lasts about as long as handling a file and kills land inside transactions too.
            _broker.Broker.SetRoundTrip(TimeSpan.FromMilliseconds(40));
            // Three JSON lines per file, a little slowly, so that kills land in every phase.
            string[] arguments =
            {
                "process", Topic, "--config", config, "--result-topic", Results, "--exactly-once", "on", "--state-directory", state,
                "--group-id", "eos-kills", "--throttle-limit", "3", "--idle-timeout", "4", "--verbose",
                "--", "sh", "-c", "sleep 0.1; for part in 1 2 3; do printf '{\"file\":\"%s\",\"part\":%d}\\n' \"$1\" $part; done", "sh", "{relativePath}",
            };

            _broker.Broker.TrackRequests();
            int survived = 0;
            var printed = new StringBuilder();
            var runs = new List<(DateTime Start, DateTime End, string Stderr)>();
            for (int kill = 0; kill < Kills && ProcessedCount(state) < Files; kill++)
            {
                DateTime started = DateTime.UtcNow;
                using CliProcess run = CliProcess.Start(arguments);
                int before = ProcessedLines(run.Stdout);
                await run.WaitUntilAsync(() => ProcessedLines(run.Stdout) > before || ProcessedCount(state) >= Files, Long, "files to be processed " + where);
                await Task.Delay(random.Next(0, 700));
                if (run.HasExited)
                {
                    break;
                }
                run.KillHard();
                await run.WaitAsync(Long);
                runs.Add((started, DateTime.UtcNow, run.Stderr));
                survived++;
                printed.Append(run.Stdout);
                _output.WriteLine($"--- run {kill}, killed\n{run.Stdout}\n{run.Stderr}");
                Assert.Contains("results: exactly-once (Kafka transactions, transactional.id 'openmsistream.eos-lab.eos-kills.", run.Stderr);
            }
            DateTime lastStarted = DateTime.UtcNow;
            using (CliProcess last = await CliProcess.RunAsync(Long, arguments))
            {
                Assert.True(last.ExitCode == 0, last.Stderr);
                runs.Add((lastStarted, DateTime.UtcNow, last.Stderr));
                printed.Append(last.Stdout);
                _output.WriteLine($"--- last run\n{last.Stdout}\n{last.Stderr}");
            }

            Assert.InRange(survived, 3, Kills);
            Assert.Equal(Files, ProcessedCount(state));
            Assert.All(runs, r => Assert.DoesNotContain("was aborted", r.Stderr)); // the processor never aborts a transaction here
            // A file reported processed was recorded processed first, so it is never reported twice.
            List<string> reported = printed.ToString().Split('\n').Where(l => l.StartsWith("processed ", StringComparison.Ordinal)).ToList();
            Assert.All(reported.GroupBy(l => l.Substring(0, l.IndexOf(" (", StringComparison.Ordinal))), g => Assert.True(g.Count() == 1, g.Key + " was reported twice " + where));

            // When each EndTxn arrived, on the wall clock; each lies within a run (a check of the clock conversion).
            List<DateTime> endTxns = _broker.Broker.Requests().Where(r => r.ApiKey == EndTxnApiKey).Select(r => WallClock(r.ArrivedMicroseconds)).ToList();
            Assert.All(endTxns, t => Assert.Contains(runs, r => r.Start <= t && t <= r.End));
            ResultLog log = ResultLog.Read(_broker.Broker.BootstrapServers, Results, partitions: 2);
            foreach (ResultTransaction transaction in log.Transactions)
            {
                (DateTime Start, DateTime End, string Stderr) producer = runs.Single(r => r.Start <= transaction.ProducedAt && transaction.ProducedAt <= r.End);
                transaction.Committed = endTxns.Any(t => t > transaction.ProducedAt && t <= producer.End);
            }
            var committed = log.Transactions.Where(t => t.Committed).GroupBy(t => t.File).ToDictionary(g => g.Key, g => g.Count());
            var written = log.Transactions.GroupBy(t => t.File).ToDictionary(g => g.Key, g => g.Count(t => t.Complete));
            // The embedded broker's one effect on the outcome: a kill after the processor noted a commit under
            // way and before the commit reached the broker leaves the transaction open; a real broker aborts
            // it and the restart's read_committed check finds the results missing and processes the file
            // again, but this broker shows them, so the restart records the file processed.
            var settledByThisBroker = new HashSet<string>(runs.SelectMany(r => SettledAsCommitted(r.Stderr)));
            string counts = $"{survived} kills survived {where}; {Files} files, {log.Transactions.Count} result transactions: {log.Transactions.Count(t => t.Committed)} committed, "
                + $"{log.Transactions.Count(t => !t.Committed)} left open by a kill (aborted on a real broker); files whose results a read_committed consumer of a real broker sees once: {committed.Count(c => c.Value == 1)}, twice or more: {committed.Count(c => c.Value > 1)}; "
                + $"files whose complete results a read_uncommitted consumer sees more than once: {written.Count(w => w.Value > 1)}; commits settled at a restart: {runs.Sum(r => SettledAsCommitted(r.Stderr).Count())}, "
                + $"of which this broker's read_committed read wrongly confirmed: {settledByThisBroker.Count(f => !committed.ContainsKey(f))}";
            _output.WriteLine(counts);
            foreach (ResultTransaction t in log.Transactions)
            {
                _output.WriteLine($"{t.File} partition {t.Partition} up to offset {t.LastOffset}, produced {t.ProducedAt:HH:mm:ss.fff}: {(t.Committed ? "committed" : "left open")}{(t.Complete ? "" : ", incomplete")}");
            }

            // Every committed transaction holds a file's complete results: results are never committed in part.
            Assert.All(log.Transactions.Where(t => t.Committed), t => Assert.True(t.Complete, $"a committed transaction holds part of the results of {t.File}; {counts}"));
            for (int i = 0; i < Files; i++)
            {
                string file = $"run/sample {i:000}.csv";
                int times = committed.TryGetValue(file, out int n) ? n : 0;
                if (times == 0 && settledByThisBroker.Contains(file))
                {
                    Assert.Contains(log.Transactions, t => t.File == file && t.Complete && !t.Committed);
                    continue;
                }
                Assert.True(times == 1, $"{file}: results committed {times} times; {counts}");
            }
        }

        /// <summary>Kafka's API key of EndTxn, the request that commits (or aborts) a transaction.</summary>
        private const short EndTxnApiKey = 26;

        /// <summary>
        /// librdkafka's monotonic clock (CLOCK_MONOTONIC, as .NET's Stopwatch on Linux) on the wall clock. The
        /// offset between the two clocks is read once, from the tightest of many brackets of the wall clock
        /// by the monotonic one: a single read can be off by as long as the thread was descheduled between
        /// the two calls, which on a loaded machine was longer than a transaction's round trips and made a
        /// committed transaction look uncommitted.
        /// </summary>
        private static DateTime WallClock(long monotonicMicroseconds) => MonotonicEpoch.Value.AddTicks(monotonicMicroseconds * 10);

        private static readonly Lazy<DateTime> MonotonicEpoch = new Lazy<DateTime>(() =>
        {
            double microsecondsPerTick = 1_000_000.0 / Stopwatch.Frequency;
            long tightest = long.MaxValue;
            DateTime epoch = default;
            for (int sample = 0; sample < 1000; sample++)
            {
                long before = Stopwatch.GetTimestamp();
                DateTime now = DateTime.UtcNow;
                long after = Stopwatch.GetTimestamp();
                if (after - before < tightest)
                {
                    tightest = after - before;
                    epoch = now.AddTicks(-(long)((before + after) / 2.0 * microsecondsPerTick * 10));
                }
            }
            return epoch;
        });

        private static IEnumerable<string> SettledAsCommitted(string stderr) =>
            stderr.Split('\n').Where(l => l.Contains("were committed before the last run ended"))
                .Select(l => l.Substring(l.IndexOf('\'') + 1, l.IndexOf("' were", StringComparison.Ordinal) - l.IndexOf('\'') - 1));

        private static int ProcessedLines(string stdout) => stdout.Split('\n').Count(l => l.StartsWith("processed ", StringComparison.Ordinal));

        private static int ProcessedCount(string state)
        {
            if (!File.Exists(Path.Combine(state, ProcessingRegistry.DatabaseFileName)))
            {
                return 0;
            }
            using ProcessingRegistry registry = ProcessingRegistry.Open(state, Topic, "eos-kills");
            return registry.All().Count(r => r.Status == ProcessingStatus.Processed);
        }

        private async Task Send(params (string Name, byte[] Content)[] files)
        {
            string source = _temp.Combine("source");
            foreach ((string name, byte[] content) in files)
            {
                _temp.WriteFile(Path.Combine("source", name), content);
            }
            using var sender = new FileSender(_broker.Settings, new SendOptions(Topic) { ChunkSize = 4096 });
            sender.Connect(default);
            await Task.WhenAll(files.Select(f => sender.SendAsync(FileToSend.Create(Path.Combine(source, f.Name), source), null, default)));
        }

        /// <summary>The result topic as written: each partition's messages cut into transactions.</summary>
        private sealed class ResultLog
        {
            private ResultLog(List<ResultTransaction> transactions) => Transactions = transactions;

            public List<ResultTransaction> Transactions { get; }

            /// <summary>A transaction is one file's results in a row: part 1 starts one.</summary>
            public static ResultLog Read(string bootstrap, string topic, int partitions)
            {
                var transactions = new List<ResultTransaction>();
                for (int partition = 0; partition < partitions; partition++)
                {
                    List<(long Offset, string File, int Part, DateTime ProducedAt)> messages = ReadPartition(bootstrap, topic, partition);
                    ResultTransaction? current = null;
                    foreach ((long offset, string file, int part, DateTime producedAt) in messages)
                    {
                        if (current == null || part == 1 || file != current.File || offset != current.LastOffset + 1)
                        {
                            current = new ResultTransaction(file, partition, producedAt);
                            transactions.Add(current);
                        }
                        current.Add(offset, part);
                    }
                }
                return new ResultLog(transactions);
            }

            private static List<(long, string, int, DateTime)> ReadPartition(string bootstrap, string topic, int partition)
            {
                using IConsumer<byte[], byte[]> reader = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
                {
                    BootstrapServers = bootstrap,
                    GroupId = "reader-" + Guid.NewGuid(),
                    IsolationLevel = IsolationLevel.ReadCommitted, // what a result consumer asks for; the embedded broker ignores it
                    EnablePartitionEof = true,
                }).Build();
                reader.Assign(new TopicPartitionOffset(topic, partition, 0));
                var messages = new List<(long, string, int, DateTime)>();
                DateTime deadline = DateTime.UtcNow.AddSeconds(30);
                while (DateTime.UtcNow < deadline)
                {
                    ConsumeResult<byte[], byte[]>? result = reader.Consume(TimeSpan.FromMilliseconds(200));
                    if (result?.IsPartitionEOF == true)
                    {
                        return messages;
                    }
                    if (result?.Message != null)
                    {
                        JsonElement json = JsonDocument.Parse(result.Message.Value).RootElement;
                        messages.Add((result.Offset.Value, json.GetProperty("file").GetString()!, json.GetProperty("part").GetInt32(), result.Message.Timestamp.UtcDateTime));
                    }
                }
                throw new TimeoutException($"partition {partition} of {topic} was not read to its end");
            }
        }

        private sealed class ResultTransaction
        {
            private readonly List<int> _parts = new List<int>();

            public ResultTransaction(string file, int partition, DateTime producedAt)
            {
                File = file;
                Partition = partition;
                ProducedAt = producedAt;
            }

            public string File { get; }

            public int Partition { get; }

            /// <summary>When its first message was produced (the message timestamp, set by the producer).</summary>
            public DateTime ProducedAt { get; }

            public long LastOffset { get; private set; } = -2;

            /// <summary>Its producer's EndTxn reached the broker before the producer was killed.</summary>
            public bool Committed { get; set; }

            public bool Complete => _parts.SequenceEqual(Enumerable.Range(1, PartsPerFile));

            public void Add(long offset, int part)
            {
                _parts.Add(part);
                LastOffset = offset;
            }
        }
    }
}
