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
    /// every figure measured in this run against one broker. `-- micro [BenchmarkDotNet args]` runs the
    /// micro-benchmarks of the hot parts instead.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == "micro")
            {
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
                return 0;
            }
            var scale = new Option<double>("--scale") { Description = "multiplies every size and count (0.01 for a quick run)", DefaultValueFactory = _ => 1.0 };
            var brokerKind = new Option<string>("--broker") { Description = "kafka09 (a real Kafka 0.9 process from tests/kafka09, installed with npm ci on first use) or mock (the embedded broker: quick runs only, it keeps 5 MiB per partition)", DefaultValueFactory = _ => "kafka09" };
            var partitions = new Option<int>("--partitions") { Description = "partitions of the benchmark topics", DefaultValueFactory = _ => 4 };
            var markdown = new Option<string?>("--markdown") { Description = "also write the table as Markdown to this file" };
            var extraConfig = new Option<string?>("--extra-config") { Description = "a file of config sections ([producer], [consumer], …) merged into the product's config file, to measure other settings (kafka09 only)" };
            var cases = new Option<string>("--cases") { Description = "which measurements, comma-separated: hash,limit,a,b,c,latency", DefaultValueFactory = _ => "hash,limit,a,b,c,latency" };
            var root = new RootCommand("OpenMsiStream benchmark: end-to-end throughput, memory and latency beside the broker's and the hash's limits.")
            {
                scale, brokerKind, partitions, markdown, cases, extraConfig,
            };
            root.SetAction(parse => Run(parse.GetValue(scale), parse.GetValue(brokerKind)!, parse.GetValue(partitions), parse.GetValue(markdown), parse.GetValue(extraConfig),
                new HashSet<string>(parse.GetValue(cases)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))));
            return root.Parse(args).Invoke();
        }

        private static int Run(double scale, string brokerKind, int partitions, string? markdown, string? extraConfig, ISet<string> cases)
        {
            if (scale <= 0 || scale > 1)
            {
                Console.Error.WriteLine("--scale must be in (0, 1].");
                return 2;
            }
            string work = Path.Combine(Path.GetTempPath(), "openmsistream-bench-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(work);
            try
            {
                using IBenchBroker broker = StartBroker(brokerKind, work, partitions, extraConfig == null ? null : File.ReadAllText(extraConfig));
                var report = new Report(scale, broker);
                long big = Scaled(1L << 30, scale, 8L << 20);
                if (!broker.KeepsAllData && big > (5L << 20))
                {
                    Console.Error.WriteLine($"warning: the embedded broker keeps 5 MiB per partition and a file stays on one partition; a {big >> 20} MiB file may lose chunks (the run then fails). Use --broker kafka09 for the full sizes.");
                }

                if (cases.Contains("hash"))
                {
                    Step("SHA-512 on one core");
                    report.Hash = HashCeiling.Measure(Math.Max(64L << 20, Scaled(1L << 30, scale, 0)));

                }

                if (cases.Contains("limit"))
                {
                    Step("the limit: plain Confluent.Kafka");
                    report.Limit = KafkaLimit.Measure(broker, big);
                    report.OnePartition = KafkaLimit.Measure(broker, big, onePartition: true);

                }

                if (cases.Contains("a"))
                {
                    Step($"(a) one file of {big >> 20} MiB");
                    string sourceA = Path.Combine(work, "a");
                    List<SourceFile> a = TestFiles.Write(sourceA, "big", 1, big);
                    report.Cases.Add(EndToEnd.Measure($"(a) 1 file of {Size(big)}", broker, work, a, sourceA));
                    Directory.Delete(sourceA, recursive: true);

                }

                int smallCount = (int)Math.Max(100, 10_000 * scale);
                if (cases.Contains("b"))
                {
                    Step($"(b) {smallCount} files of 10 KiB");
                    string sourceB = Path.Combine(work, "b");
                    List<SourceFile> b = TestFiles.Write(sourceB, "small", smallCount, 10 * 1024);
                    report.Cases.Add(EndToEnd.Measure($"(b) {smallCount} files of 10 KiB", broker, work, b, sourceB));
                    Directory.Delete(sourceB, recursive: true);

                }

                int mediumCount = (int)Math.Max(10, 200 * scale);
                if (cases.Contains("c"))
                {
                    Step($"(c) {mediumCount} files of 5 MiB");
                    string sourceC = Path.Combine(work, "c");
                    List<SourceFile> c = TestFiles.Write(sourceC, "medium", mediumCount, 5L << 20);
                    report.Cases.Add(EndToEnd.Measure($"(c) {mediumCount} files of 5 MiB", broker, work, c, sourceC));
                    Directory.Delete(sourceC, recursive: true);

                }

                if (cases.Contains("latency"))
                {
                    Step("watched-directory latency, 100 files");
                    report.Latency = WatchLatency.Measure(broker, work, 100, TimeSpan.FromSeconds(1));

                }

                string table = report.Render();
                Console.WriteLine();
                Console.WriteLine(table);
                if (markdown != null)
                {
                    File.WriteAllText(markdown, table);
                }
                return report.AnyLost ? 1 : 0;
            }
            finally
            {
                try
                {
                    Directory.Delete(work, recursive: true);
                }
                catch (IOException)
                {
                }
            }
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
            if (!OperatingSystem.IsWindows())
            {
                using var sync = System.Diagnostics.Process.Start("sync");
                sync?.WaitForExit();
            }
            Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {what}");
        }
    }
}
