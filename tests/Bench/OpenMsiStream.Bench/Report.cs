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
    /// <summary>
    /// The figures of one run as one Markdown table: every row beside the bound that applies to it,
    /// measured in the same run, then the targets of issue 18 checked, and what was not measured.
    /// </summary>
    internal sealed class Report
    {
        private readonly double _scale;
        private readonly IBenchBroker _broker;
        private readonly string _loadAtStart = LoadAverage();

        /// <summary>Above this a file's creation pays for recent deletions (quiet: 35–46 µs on these VMs; within minutes of a run's clean-up: 150–1,070).</summary>
        private const int SlowFileCreationMicroseconds = 150;

        public Report(double scale, IBenchBroker broker)
        {
            _scale = scale;
            _broker = broker;
        }

        public Figure? Hash { get; set; }

        /// <summary>Microseconds to create one empty file in the work directory before the run (<see cref="FileCreationProbe"/>).</summary>
        public double? FileCreationMicroseconds { get; set; }

        public List<Figure> Floors { get; } = new List<Figure>();

        public Figure? OnePartition { get; set; }

        public Figure? AllPartitions { get; set; }

        public Figure? Startup { get; set; }

        public List<Figure> Cases { get; } = new List<Figure>();

        public LatencyFigure? Latency { get; set; }

        public List<Figure> FileCounts { get; } = new List<Figure>();

        public List<(PeerTool Tool, Figure Figure)> Peers { get; } = new List<(PeerTool, Figure)>();

        public List<string> NotMeasured { get; } = new List<string>();

        public bool AnyLost => Cases.Concat(FileCounts).Concat(Peers.Select(p => p.Figure)).Any(c => c.FilesLost > 0) || (Latency?.Lost ?? 0) > 0;

        /// <summary>The bound for moving bytes: the better of the plain client on one partition and on all partitions.</summary>
        public Bound? BestPlain
        {
            get
            {
                Figure? best = new[] { OnePartition, AllPartitions }.Where(f => f != null).OrderByDescending(f => f!.MegabytesPerSecond).FirstOrDefault();
                return best == null ? null : new Bound(best == OnePartition ? "plain client, one partition" : "plain client, all partitions", best);
            }
        }

        /// <summary>The bound for durable small files: the disk's group-commit floor.</summary>
        public Bound? GroupFloor => Floors.LastOrDefault() is Figure floor ? new Bound("durable-write floor (group commit)", floor, InFiles: true) : null;

        public string Render()
        {
            var text = new StringBuilder();
            text.AppendLine($"Machine: {Machine()}; scale {_scale.ToString(CultureInfo.InvariantCulture)}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load average at start {_loadAtStart}, at end {LoadAverage()}.");
            if (FileCreationMicroseconds is double creation)
            {
                text.AppendLine($"Creating an empty file in the work directory before the run: {creation:0} µs"
                    + (creation > SlowFileCreationMicroseconds ? $" — the disk is in a slow state (usually under {SlowFileCreationMicroseconds} µs: on ext4 without a journal, after thousands of files were deleted in the last six minutes), which lowers (b) and its floor alike." : "."));
            }
            text.AppendLine($"Broker for every Kafka figure: {_broker.Description}. MB = 10^6 bytes, GB = 10^9; end-to-end figures count only files rebuilt and verified by SHA-512; CPU is user + system time of each process (start-up included), per GB moved, with the system (kernel) part in parentheses: it swings with the state of the disk, user time does not.");
            text.AppendLine();
            text.AppendLine("| Measurement | MB/s | files/s | bound (same run) | of bound | time (s) | CPU s/GB send / receive | peak RSS send / receive | lost | note |");
            text.AppendLine("|---|---:|---:|---|---:|---:|---:|---:|---:|---|");
            if (Hash != null)
            {
                text.AppendLine($"| {Hash.Name} | {Hash.MegabytesPerSecond:0} | | | | {Hash.Elapsed.TotalSeconds:0.0} | {1e3 / Hash.MegabytesPerSecond:0.00} per pass | | | each side hashes every byte once with SHA-512 on the hot path (see README) |");
            }
            foreach (Figure floor in Floors)
            {
                text.AppendLine($"| {floor.Name} | {floor.MegabytesPerSecond:0.0} | {floor.FilesPerSecond:0} | | | {floor.Elapsed.TotalSeconds:0.0} | | | | {(floor == Floors.Last() ? "the bound for (b)" : string.Empty)} |");
            }
            foreach (Figure? plain in new[] { OnePartition, AllPartitions })
            {
                if (plain != null)
                {
                    string role = BestPlain?.Figure == plain ? "the bound for (a) and (c): the better of the two" : string.Empty;
                    text.AppendLine($"| {plain.Name} | {plain.MegabytesPerSecond:0} | | | | {plain.Elapsed.TotalSeconds:0.0} | {Cpu(plain)} | {Mb(plain.SenderPeakRss)} / {Mb(plain.ReceiverPeakRss)} | | {role} |");
                }
            }
            foreach (Figure figure in Cases)
            {
                text.AppendLine(Row(figure));
            }
            if (Startup != null)
            {
                text.AppendLine($"| {Startup.Name} | | | {Startup.Bound!.Label} | {Ratio(Startup.OfBound)} | {Startup.Elapsed.TotalSeconds:0.00} | | | | {Startup.Note} |");
            }
            if (Latency != null)
            {
                text.AppendLine($"| Watched directory → verified copy, {Latency.Files} files of 64 KiB, settle time {Latency.SettleTime.TotalSeconds:0.#} s: p50 {Latency.P50.TotalSeconds:0.00} s, p95 {Latency.P95.TotalSeconds:0.00} s, max {Latency.Max.TotalSeconds:0.00} s | | | settle time + 1 s | | | | | {Latency.Lost} | |");
            }
            foreach (Figure count in FileCounts)
            {
                text.AppendLine($"| Memory with many files: {count.Name} arriving 1,000 at a time in a watched directory, `upload-directory` → `download-directory` | {count.MegabytesPerSecond:0.0} | {count.FilesPerSecond:0} | | | {count.Elapsed.TotalSeconds:0.0} | | {Mb(count.SenderPeakRss)} / {Mb(count.ReceiverPeakRss)} | {count.FilesLost} | |");
            }
            foreach ((PeerTool tool, Figure figure) in Peers)
            {
                text.AppendLine(Row(figure));
            }
            text.AppendLine();
            Targets(text);
            if (NotMeasured.Count > 0)
            {
                text.AppendLine();
                text.AppendLine("Not measured in this run:");
                foreach (string item in NotMeasured)
                {
                    text.AppendLine($"- {item}");
                }
            }
            return text.ToString();
        }

        private void Targets(StringBuilder text)
        {
            text.AppendLine("Targets (issue 18, 2-core machines):");
            Figure? a = Cases.FirstOrDefault(c => c.Name.StartsWith("(a)", StringComparison.Ordinal));
            Figure? b = Cases.FirstOrDefault(c => c.Name.StartsWith("(b)", StringComparison.Ordinal));
            if (a?.OfBound is double ofBound)
            {
                string onePartition = OnePartition == null ? string.Empty : $"; of the one-partition run {a.MegabytesPerSecond / OnePartition.MegabytesPerSecond:0%}";
                text.AppendLine(Target($"(a) end to end at least 75% of the bound ({a.Bound!.Label}, {a.Bound.Figure.MegabytesPerSecond:0} MB/s): {ofBound:0%}{onePartition}", ofBound >= 0.75));
                Figure plain = a.Bound.Figure;
                if (a.SenderCpuPerGigabyte is double send && plain.SenderCpuPerGigabyte is double produce)
                {
                    text.AppendLine(Target($"(a) sender CPU per GB within 2× the plain producer's: {send:0.00} vs {produce:0.00} s/GB ({send / produce:0.0}×)", send <= 2 * produce));
                }
                if (a.ReceiverCpuPerGigabyte is double receive && plain.ReceiverCpuPerGigabyte is double consume)
                {
                    text.AppendLine(Target($"(a) receiver CPU per GB within 2× the plain consumer's: {receive:0.00} vs {consume:0.00} s/GB ({receive / consume:0.0}×)", receive <= 2 * consume));
                }
            }
            List<Figure> large = Cases.Where(c => c.Name.StartsWith("(a)", StringComparison.Ordinal)).ToList();
            if (large.Count > 0)
            {
                long peak = large.Max(f => Math.Max(f.SenderPeakRss ?? 0, f.ReceiverPeakRss ?? 0));
                string each = string.Join("; ", large.Select(f => $"{f.Name.Substring("(a) ".Length)}: sender {Mb(f.SenderPeakRss)}, receiver {Mb(f.ReceiverPeakRss)}"));
                text.AppendLine(Target($"(a) memory under 300 MB: {each}", peak < 300_000_000));
            }
            if (b != null)
            {
                string floor = b.OfBound is double ratio ? $" ({ratio:0%} of the disk's group-commit floor, {b.Bound!.Figure.FilesPerSecond:0} files/s)" : string.Empty;
                text.AppendLine(Target($"(b) at least 2,500 files/s, durable: {b.FilesPerSecond:0}{floor}", b.FilesPerSecond >= 2500));
            }
            if (Latency != null)
            {
                TimeSpan bound = Latency.SettleTime + TimeSpan.FromSeconds(1);
                text.AppendLine(Target($"watched-directory latency p50 under settle time + 1 s ({bound.TotalSeconds:0.#} s): {Latency.P50.TotalSeconds:0.00} s", Latency.P50 < bound));
            }
            if (FileCounts.Count >= 2)
            {
                Figure before = FileCounts[^2], after = FileCounts[^1];
                double send = ((after.SenderPeakRss ?? 0) - (before.SenderPeakRss ?? 0)) / 1e6;
                double receive = ((after.ReceiverPeakRss ?? 0) - (before.ReceiverPeakRss ?? 0)) / 1e6;
                text.AppendLine(Target($"memory flat in the number of files: from {before.Files} to {after.Files} files the sender's peak grew {send:0} MB, the receiver's {receive:0} MB (under 20 MB)", send < 20 && receive < 20));
            }
            foreach (IGrouping<bool, (PeerTool Tool, Figure Figure)> kind in Peers.GroupBy(p => p.Figure.Name.Contains("watched", StringComparison.Ordinal)))
            {
                Figure? own = kind.FirstOrDefault(p => p.Tool == PeerTool.Own).Figure;
                Figure? other = kind.FirstOrDefault(p => p.Tool != PeerTool.Own).Figure;
                if (own != null && other != null && own.FilesLost == 0)
                {
                    double times = other.Elapsed.TotalSeconds / own.Elapsed.TotalSeconds;
                    double target = kind.Key ? 50 : 2;
                    text.AppendLine(Target($"side by side, {(kind.Key ? "small files through a watched directory" : "one large file")}: {own.Elapsed.TotalSeconds:0.0} s vs {other.Elapsed.TotalSeconds:0.0} s, {times:0.0}× the other tool's speed (target {target:0}×)", times >= target));
                }
            }
            if (AnyLost)
            {
                text.AppendLine("- **FAILED: files were lost** (see the 'lost' column).");
            }
        }

        private static string Row(Figure figure) =>
            $"| {figure.Name} | {figure.MegabytesPerSecond:0.0} | {figure.FilesPerSecond:0} | {Label(figure.Bound)} | {Ratio(figure.OfBound)} | {figure.Elapsed.TotalSeconds:0.0} | {Cpu(figure)} | {Mb(figure.SenderPeakRss)} / {Mb(figure.ReceiverPeakRss)} | {figure.FilesLost} | {figure.Note} |";

        private static string Label(Bound? bound) => bound == null ? string.Empty
            : bound.InFiles ? $"{bound.Label}: {bound.Figure.FilesPerSecond:0} files/s"
            : $"{bound.Label}: {bound.Figure.MegabytesPerSecond:0} MB/s";

        private static string Ratio(double? ratio) => ratio is double r ? $"{r:0%}" : string.Empty;

        private static string Cpu(Figure figure) =>
            figure.SenderCpuPerGigabyte == null && figure.ReceiverCpuPerGigabyte == null ? string.Empty
                : $"{PerGigabyte(figure.SenderCpuPerGigabyte)} / {PerGigabyte(figure.ReceiverCpuPerGigabyte)}"
                    + (figure.SenderSystemCpuPerGigabyte == null && figure.ReceiverSystemCpuPerGigabyte == null ? string.Empty
                        : $" (system {PerGigabyte(figure.SenderSystemCpuPerGigabyte)} / {PerGigabyte(figure.ReceiverSystemCpuPerGigabyte)})");

        private static string PerGigabyte(double? seconds) => seconds?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-";

        private static string Target(string what, bool met) => $"- {what} — {(met ? "met" : "**not met**")}";

        private static string Mb(long? bytes) => bytes == null || bytes == 0 ? "-" : $"{bytes.Value / 1e6:0} MB";

        private static string LoadAverage()
        {
            try
            {
                return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
            }
            catch (IOException)
            {
                return "unknown";
            }
        }

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
