using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using OpenMsiStream.Bench.Brokers;
using OpenMsiStream.Bench.Measurements;

namespace OpenMsiStream.Bench
{
    /// <summary>The figures of one run, as one Markdown table with the targets of issue 6 checked below it.</summary>
    internal sealed class Report
    {
        private readonly double _scale;
        private readonly IBenchBroker _broker;

        public Report(double scale, IBenchBroker broker)
        {
            _scale = scale;
            _broker = broker;
        }

        public Figure? Hash { get; set; }

        public Figure? Limit { get; set; }

        public Figure? OnePartition { get; set; }

        public List<Figure> Cases { get; } = new List<Figure>();

        public LatencyFigure? Latency { get; set; }

        public bool AnyLost => Cases.Any(c => c.FilesLost > 0) || (Latency?.Lost ?? 0) > 0;

        public string Render()
        {
            var text = new StringBuilder();
            text.AppendLine($"Machine: {Machine()}; scale {_scale.ToString(CultureInfo.InvariantCulture)}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
            text.AppendLine($"Broker for every Kafka figure: {_broker.Description}. MB = 10^6 bytes; end-to-end figures count only files rebuilt and verified by SHA-512.");
            text.AppendLine();
            text.AppendLine("| Measurement | MB/s | files/s | of limit | time (s) | peak RSS send / receive | lost | note |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
            if (Hash != null)
            {
                text.AppendLine($"| {Hash.Name} | {Hash.MegabytesPerSecond:0} | | | {Hash.Elapsed.TotalSeconds:0.0} | | | the product hashes each byte twice per side (chunk and file hash) |");
            }
            if (Limit != null)
            {
                text.AppendLine($"| {Limit.Name} | {Limit.MegabytesPerSecond:0} | | 100% | {Limit.Elapsed.TotalSeconds:0.0} | | | |");
            }
            if (OnePartition != null)
            {
                string ratio = Limit == null ? string.Empty : $"{OnePartition.MegabytesPerSecond / Limit.MegabytesPerSecond:0%}";
                text.AppendLine($"| {OnePartition.Name} | {OnePartition.MegabytesPerSecond:0} | | {ratio} | {OnePartition.Elapsed.TotalSeconds:0.0} | | | the bound for one large file |");
            }
            foreach (Figure figure in Cases)
            {
                string ratio = Limit == null ? string.Empty : $"{figure.MegabytesPerSecond / Limit.MegabytesPerSecond:0%}";
                text.AppendLine($"| {figure.Name} | {figure.MegabytesPerSecond:0.0} | {figure.FilesPerSecond:0} | {ratio} | {figure.Elapsed.TotalSeconds:0.0} | {Mb(figure.SenderPeakRss)} / {Mb(figure.ReceiverPeakRss)} | {figure.FilesLost} | {figure.Note} |");
            }
            if (Latency != null)
            {
                text.AppendLine($"| Watched directory → verified copy, {Latency.Files} files of 64 KiB, settle time {Latency.SettleTime.TotalSeconds:0.#} s: p50 {Latency.P50.TotalSeconds:0.00} s, p95 {Latency.P95.TotalSeconds:0.00} s, max {Latency.Max.TotalSeconds:0.00} s | | | | | | {Latency.Lost} | |");
            }
            text.AppendLine();
            text.AppendLine("Targets (issue 6, 2-core machines):");
            Figure? a = Cases.FirstOrDefault(c => c.Name.StartsWith("(a)", StringComparison.Ordinal));
            Figure? b = Cases.FirstOrDefault(c => c.Name.StartsWith("(b)", StringComparison.Ordinal));
            if (a != null && Limit != null)
            {
                double ratio = a.MegabytesPerSecond / Limit.MegabytesPerSecond;
                text.AppendLine(Target($"(a) end to end at least 70% of the limit: {ratio:0%}", ratio >= 0.70));
                long peak = Math.Max(a.SenderPeakRss ?? 0, a.ReceiverPeakRss ?? 0);
                text.AppendLine(Target($"(a) memory under 300 MB: sender {Mb(a.SenderPeakRss)}, receiver {Mb(a.ReceiverPeakRss)}", peak < 300_000_000));
            }
            if (b != null)
            {
                text.AppendLine(Target($"(b) at least 1,000 files/s: {b.FilesPerSecond:0}", b.FilesPerSecond >= 1000));
            }
            if (Latency != null)
            {
                TimeSpan bound = Latency.SettleTime + TimeSpan.FromSeconds(1);
                text.AppendLine(Target($"watched-directory latency p50 under settle time + 1 s ({bound.TotalSeconds:0.#} s): {Latency.P50.TotalSeconds:0.00} s", Latency.P50 < bound));
            }
            if (AnyLost)
            {
                text.AppendLine("- **FAILED: files were lost** (see the 'lost' column).");
            }
            return text.ToString();
        }

        private static string Target(string what, bool met) => $"- {what} — {(met ? "met" : "**not met**")}";

        private static string Mb(long? bytes) => bytes == null ? "-" : $"{bytes.Value / 1e6:0} MB";

        private static string Machine()
        {
            string cpu = "unknown CPU";
            try
            {
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
            }
            catch (IOException)
            {
            }
            double memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9;
            return $"{cpu}, {Environment.ProcessorCount} cores, {memory:0} GB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
        }
    }
}
