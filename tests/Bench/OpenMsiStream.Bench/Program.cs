using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Running;
using OpenMsiStream.Bench.Brokers;
using OpenMsiStream.Bench.Measurements;
using OpenMsiStream.Bench.Support;
using OpenMsiStream.Tests.Common;

namespace OpenMsiStream.Bench
{
    /// <summary>
    /// `dotnet run -c Release --project tests/Bench/OpenMsiStream.Bench [-- --scale 0.1]`: one table,
    /// every figure measured in this run against one broker, each beside the bound that applies to it.
    /// `-- micro [BenchmarkDotNet args]` runs the micro-benchmarks of the hot parts instead;
    /// `plain-produce` / `plain-consume` are the plain-client processes the table's bounds run.
    /// </summary>
    public static class Program
    {
        private const string DefaultCases = "hash,floor,limit,start,a,a4,b,c,latency,files";

        public static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == "micro")
            {
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
                return 0;
            }
            if (args.Length > 0 && (args[0] == "plain-produce" || args[0] == "plain-consume"))
            {
                return PlainClient(args);
            }
            var scale = new Option<double>("--scale") { Description = "multiplies every size and count (0.01 for a quick run)", DefaultValueFactory = _ => 1.0 };
            var brokerKind = new Option<string>("--broker") { Description = "kafka09 (a real Kafka 0.9 process from tests/kafka09, installed with npm ci on first use) or mock (the embedded broker: it keeps 5 MiB per partition, so large cases are cut down or left out and the table says which)", DefaultValueFactory = _ => "kafka09" };
            var partitions = new Option<int>("--partitions") { Description = "partitions of the benchmark topics", DefaultValueFactory = _ => 4 };
            var markdown = new Option<string?>("--markdown") { Description = "also write the table as Markdown to this file" };
            var extraConfig = new Option<string?>("--extra-config") { Description = "a file of config sections ([producer], [consumer], …) merged into the product's config file, to measure other settings (kafka09 only)" };
            var cases = new Option<string>("--cases") { Description = $"which measurements, comma-separated: {DefaultCases},peer (peer runs whenever --peer-upload is given)", DefaultValueFactory = _ => DefaultCases };
            var peerName = new Option<string>("--peer-name") { Description = "what the other tool is called in the table", DefaultValueFactory = _ => "peer" };
            var peerUpload = new Option<string?>("--peer-upload") { Description = "the other tool's command that sends one file and exits: placeholders {file}, {dir} (its directory), {config}, {topic}, {work} (a scratch directory), {cli} (this repository's openmsistream); run as /bin/sh -c \"exec CMD\"" };
            var peerUploadDirectory = new Option<string?>("--peer-upload-directory") { Description = "the other tool's command that watches {dir} and sends what appears there (runs until SIGTERM)" };
            var peerDownload = new Option<string?>("--peer-download") { Description = "the other tool's command that rebuilds files from {topic} into {dir} (runs until SIGTERM)" };
            var workDirectory = new Option<string?>("--work-directory") { Description = "where the run's files, outputs and broker log go, in a new folder that is kept at the end (default: a new folder in the temp directory, deleted at the end). The durable-write figures are this disk's. Deleting thousands of files slows file creation on some file systems for minutes afterwards (see README), so back-to-back runs should keep theirs and delete them later" };
            var peerWarmUp = new Option<double>("--peer-warmup") { Description = "seconds both directory programs get to start before files are written (the same for both tools)", DefaultValueFactory = _ => 15 };
            var root = new RootCommand("OpenMsiStream benchmark: end-to-end throughput, CPU, memory and latency, each beside its bound measured in the same run.")
            {
                scale, brokerKind, partitions, markdown, cases, extraConfig, peerName, peerUpload, peerUploadDirectory, peerDownload, peerWarmUp, workDirectory,
            };
            root.SetAction(parse =>
            {
                var selected = new HashSet<string>(parse.GetValue(cases)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                PeerTool? peer = null;
                if (parse.GetValue(peerUpload) is string upload)
                {
                    if (parse.GetValue(peerDownload) is not string download)
                    {
                        Console.Error.WriteLine("--peer-upload needs --peer-download.");
                        return 2;
                    }
                    peer = new PeerTool(parse.GetValue(peerName)!, upload, parse.GetValue(peerUploadDirectory), download);
                    selected.Add("peer");
                }
                else if (selected.Contains("peer"))
                {
                    Console.Error.WriteLine("--cases peer needs --peer-upload and --peer-download (for a test of the procedure, give this repository's own commands with {cli}).");
                    return 2;
                }
                var settings = new RunSettings(parse.GetValue(scale), parse.GetValue(brokerKind)!, parse.GetValue(partitions), parse.GetValue(markdown),
                    parse.GetValue(extraConfig), selected, peer, TimeSpan.FromSeconds(parse.GetValue(peerWarmUp)), parse.GetValue(workDirectory));
                return Run(settings);
            });
            return root.Parse(args).Invoke();
        }

        private sealed record RunSettings(double Scale, string BrokerKind, int Partitions, string? Markdown, string? ExtraConfig, ISet<string> Cases, PeerTool? Peer, TimeSpan PeerWarmUp, string? WorkDirectory);

        private static int Run(RunSettings run)
        {
            if (run.Scale <= 0 || run.Scale > 1)
            {
                Console.Error.WriteLine("--scale must be in (0, 1].");
                return 2;
            }
            double scale = run.Scale;
            ISet<string> cases = run.Cases;
            // Everything a measurement writes stays until the end of the run: ext4 makes every new file
            // search past the inodes deleted in the last minutes (recently_deleted), so deleting one
            // measurement's thousands of files made the next one's file creation several times slower.
            string work = Path.Combine(run.WorkDirectory == null ? Path.GetTempPath() : Path.GetFullPath(run.WorkDirectory), "openmsistream-bench-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(work);
            try
            {
                using IBenchBroker broker = StartBroker(run.BrokerKind, work, run.Partitions, run.ExtraConfig == null ? null : File.ReadAllText(run.ExtraConfig));
                var report = new Report(scale, broker) { FileCreationMicroseconds = FileCreationProbe.Measure(work) };
                long big = Scaled(1L << 30, scale, 8L << 20);
                if (!broker.KeepsAllData)
                {
                    // A partition of the embedded broker keeps 5 MiB: a file's chunks share one partition.
                    const long Fits = 4L << 20;
                    if (big > Fits)
                    {
                        report.NotMeasured.Add($"files over 4 MiB: the embedded broker keeps 5 MiB per partition and a file's chunks share one, so (a), the peer's large file and the plain-client bounds use {Fits >> 20} MiB instead of {big >> 20} MiB; these are figures of the embedded broker, not of Kafka");
                        big = Fits;
                    }
                }

                if (cases.Contains("hash"))
                {
                    Step("SHA-512 on one core");
                    report.Hash = HashCeiling.Measure(Math.Max(64L << 20, Scaled(1L << 30, scale, 0)));
                }

                int smallCount = (int)Math.Max(100, 10_000 * scale);
                if (cases.Contains("floor"))
                {
                    Step("the durable-write floor of the disk");
                    report.Floors.Add(DurableWriteFloor.Measure(work, Math.Max(100, smallCount / 10), groupSize: 1, parallelFsyncs: 1));
                    report.Floors.Add(DurableWriteFloor.Measure(work, smallCount, groupSize: OpenMsiStream.Download.GroupCommit.MaxFiles, parallelFsyncs: OpenMsiStream.Download.GroupCommit.ParallelFsyncs));
                }

                if (cases.Contains("limit"))
                {
                    Step("the bound: plain Confluent.Kafka, one partition and all partitions");
                    report.OnePartition = KafkaLimit.Measure(broker, big, onePartition: true);
                    report.AllPartitions = KafkaLimit.Measure(broker, big, onePartition: false);
                }

                if (cases.Contains("start"))
                {
                    Step("start-up");
                    report.Startup = Startup.Measure(broker, work);
                }

                if (cases.Contains("a"))
                {
                    Step($"(a) one file of {big >> 20} MiB");
                    string sourceA = Path.Combine(work, "a");
                    List<SourceFile> a = TestFiles.Write(sourceA, "big", 1, big);
                    WriteBack();
                    report.Cases.Add(EndToEnd.Measure($"(a) 1 file of {Size(big)}", broker, work, a, sourceA) with { Bound = report.BestPlain });
                }

                if (cases.Contains("a4"))
                {
                    // Memory must not grow with the file's size: the 1 GiB file's peak again at four times the size.
                    long huge = Scaled(4L << 30, scale, 32L << 20);
                    if (!broker.KeepsAllData)
                    {
                        report.NotMeasured.Add($"(a) at {Size(huge)}: more than the embedded broker keeps per partition");
                    }
                    else
                    {
                        Step($"(a) one file of {huge >> 20} MiB, for memory");
                        string sourceHuge = Path.Combine(work, "a4");
                        List<SourceFile> a4 = TestFiles.Write(sourceHuge, "huge", 1, huge);
                        WriteBack();
                        report.Cases.Add(EndToEnd.Measure($"(a) 1 file of {Size(huge)}", broker, work, a4, sourceHuge) with { Bound = report.BestPlain });
                    }
                }

                if (cases.Contains("b"))
                {
                    Step($"(b) {smallCount} files of 10 KiB");
                    string sourceB = Path.Combine(work, "b");
                    List<SourceFile> b = TestFiles.Write(sourceB, "small", smallCount, 10 * 1024);
                    WriteBack();
                    report.Cases.Add(EndToEnd.Measure($"(b) {smallCount} files of 10 KiB", broker, work, b, sourceB, receiveAgain: true) with { Bound = report.GroupFloor });
                }

                int mediumCount = (int)Math.Max(10, 200 * scale);
                if (cases.Contains("c"))
                {
                    if (!broker.KeepsAllData)
                    {
                        report.NotMeasured.Add($"(c) {mediumCount} files of 5 MiB: more than the embedded broker keeps per partition");
                    }
                    else
                    {
                        Step($"(c) {mediumCount} files of 5 MiB");
                        string sourceC = Path.Combine(work, "c");
                        List<SourceFile> c = TestFiles.Write(sourceC, "medium", mediumCount, 5L << 20);
                        WriteBack();
                        report.Cases.Add(EndToEnd.Measure($"(c) {mediumCount} files of 5 MiB", broker, work, c, sourceC) with { Bound = report.BestPlain });
                    }
                }

                if (cases.Contains("latency"))
                {
                    Step("watched-directory latency, 100 files");
                    report.Latency = WatchLatency.Measure(broker, work, 100, TimeSpan.FromSeconds(1));
                }

                if (cases.Contains("files"))
                {
                    foreach (int count in new[] { 1_000, 10_000, 100_000 }.Select(n => (int)Math.Max(n / 100, n * scale)))
                    {
                        Step($"memory with {count} files");
                        report.FileCounts.Add(FileCountMemory.Measure(broker, work, count));
                    }
                }

                if (cases.Contains("peer") && run.Peer != null)
                {
                    long peerBig = broker.KeepsAllData ? Scaled(1L << 30, scale, 8L << 20) : big;
                    int peerSmall = (int)Math.Max(100, 2_000 * scale);
                    foreach (PeerTool tool in new[] { PeerTool.Own, run.Peer })
                    {
                        Step($"side by side: {tool.Name}, one file of {peerBig >> 20} MiB");
                        report.Peers.Add((tool, PeerComparison.OneFile(tool, broker, work, peerBig)));
                        if (tool.UploadDirectory != null)
                        {
                            Step($"side by side: {tool.Name}, {peerSmall} files through a watched directory");
                            report.Peers.Add((tool, PeerComparison.WatchedDirectory(tool, broker, work, peerSmall, run.PeerWarmUp)));
                        }
                    }
                    if (run.Peer.UploadDirectory == null)
                    {
                        report.NotMeasured.Add("the watched-directory comparison: no --peer-upload-directory was given");
                    }
                }

                string table = report.Render();
                Console.WriteLine();
                Console.WriteLine(table);
                if (run.Markdown != null)
                {
                    File.WriteAllText(run.Markdown, table);
                }
                return report.AnyLost ? 1 : 0;
            }
            finally
            {
                try
                {
                    if (run.WorkDirectory != null)
                    {
                        Console.Error.WriteLine($"Kept the run's files in {work}.");
                    }
                    else
                    {
                        Directory.Delete(work, recursive: true);
                    }
                }
                catch (IOException)
                {
                }
            }
        }

        /// <summary>`plain-produce|plain-consume --bootstrap HOST:PORT [--set key=value]… --topic T …`, in a process of its own.</summary>
        private static int PlainClient(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var settings = new List<string>();
            for (int i = 1; i + 1 < args.Length; i += 2)
            {
                if (args[i] == "--set")
                {
                    settings.Add(args[i + 1]);
                }
                else
                {
                    values[args[i]] = args[i + 1];
                }
            }
            string bootstrap = values["--bootstrap"], topic = values["--topic"];
            return args[0] == "plain-produce"
                ? KafkaLimit.Produce(bootstrap, settings, topic, int.Parse(values["--messages"], CultureInfo.InvariantCulture),
                    int.Parse(values["--message-size"], CultureInfo.InvariantCulture), int.Parse(values["--partition"], CultureInfo.InvariantCulture))
                : KafkaLimit.Consume(bootstrap, settings, topic, long.Parse(values["--bytes"], CultureInfo.InvariantCulture));
        }

        private static IBenchBroker StartBroker(string kind, string work, int partitions, string? extraConfig)
        {
            switch (kind)
            {
                case "mock":
                    return new MockBrokerProcess(work, partitions);
                case "kafka09":
                    // Installs tests/kafka09 (npm ci, about 25 MB) on first use.
                    return new Kafka09BenchBroker(Kafka09Broker.Start(partitions), work, extraConfig);
                default:
                    throw new ArgumentException($"--broker must be kafka09 or mock, not '{kind}'.");
            }
        }

        private static long Scaled(long value, double scale, long minimum) => Math.Max(minimum, (long)(value * scale));

        private static string Size(long bytes) => bytes >= (1L << 30) && bytes % (1L << 30) == 0 ? $"{bytes >> 30} GiB" : $"{bytes >> 20} MiB";

        /// <summary>
        /// Starts each measurement with nothing waiting to be written back: otherwise the gigabytes the
        /// previous one left dirty (the broker's log, the copies) are written while the next one runs,
        /// and its receiver's final fsync waits behind them (that halved figure (a) after the limit).
        /// </summary>
        private static void Step(string what)
        {
            WriteBack();
            Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {what}");
        }

        /// <summary>
        /// Writes back what is dirty (sync): before each measurement, and again after its source files are
        /// written, whose gigabyte the kernel otherwise wrote back while the receiver's final fsync waited.
        /// </summary>
        private static void WriteBack()
        {
            if (!OperatingSystem.IsWindows())
            {
                using var sync = System.Diagnostics.Process.Start("sync");
                sync?.WaitForExit();
            }
        }
    }
}
