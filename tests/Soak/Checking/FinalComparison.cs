using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Soak.Writing;

namespace OpenMsiStream.Soak.Checking
{
    internal enum Outcome
    {
        Identical,

        /// <summary>Lost: not in the output at the end.</summary>
        Missing,

        /// <summary>Lost: the output holds an earlier state of the path, not the final one.</summary>
        Stale,

        /// <summary>The output holds content the writer never produced for the path.</summary>
        Corrupt,
    }

    /// <summary>What the output holds for one path at the end, and what the programs said about its final content.</summary>
    internal sealed record FileVerdict(PathHistory History, Outcome Outcome, string? OutputSha512, int SentFinal, int ReceivedFinal, IReadOnlyList<string> Notes);

    /// <summary>A version (path and content) delivered or sent more often than the writer produced it.</summary>
    internal sealed record Repeat(string RelativePath, string Sha512, int Times, int Produced);

    /// <summary>
    /// The byte-for-byte comparison at the end, and what the programs' output says: which versions were
    /// sent and received how often, with notes that tie each failure to what the writer did to the file.
    /// </summary>
    internal sealed class FinalComparison
    {
        private FinalComparison(List<FileVerdict> verdicts, List<string> unexpected, List<Repeat> receivedTwice, List<Repeat> sentTwice, int sentLines, int receivedLines)
        {
            Verdicts = verdicts;
            Unexpected = unexpected;
            ReceivedTwice = receivedTwice;
            SentTwice = sentTwice;
            SentLines = sentLines;
            ReceivedLines = receivedLines;
        }

        public IReadOnlyList<FileVerdict> Verdicts { get; }

        /// <summary>Output files on paths the writer never wrote.</summary>
        public IReadOnlyList<string> Unexpected { get; }

        public IReadOnlyList<Repeat> ReceivedTwice { get; }

        public IReadOnlyList<Repeat> SentTwice { get; }

        public int SentLines { get; }

        public int ReceivedLines { get; }

        public int Count(Outcome outcome) => Verdicts.Count(v => v.Outcome == outcome);

        /// <param name="abandoned">Per printed path, how often the uploader said it changed while it was being sent (it gave up that version mid-send).</param>
        public static FinalComparison Compare(StateLedger ledger, Dictionary<string, string> output, List<CliFileLine> sent, List<CliFileLine> received, IReadOnlyDictionary<string, int> abandoned, long chunkSize)
        {
            IReadOnlyList<PathHistory> paths = ledger.Paths;
            var cache = new Dictionary<string, string?>(StringComparer.Ordinal);
            var abandonedByPath = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach ((string printed, int times) in abandoned)
            {
                if (CliLines.Resolve(printed, paths, cache) is string path)
                {
                    abandonedByPath[path] = abandonedByPath.GetValueOrDefault(path) + times;
                }
            }
            ILookup<string, CliFileLine> sentLinesByPath = sent.Select(l => (Path: CliLines.Resolve(l.PrintedPath, paths, cache), Line: l)).Where(l => l.Path != null).ToLookup(l => l.Path!, l => l.Line, StringComparer.Ordinal);
            ILookup<string, string> sentByPath = sent.Select(l => (Path: CliLines.Resolve(l.PrintedPath, paths, cache), l.Sha512)).Where(l => l.Path != null).ToLookup(l => l.Path!, l => l.Sha512, StringComparer.Ordinal);
            ILookup<string, string> receivedByPath = received.Select(l => (Path: CliLines.Resolve(l.PrintedPath, paths, cache), l.Sha512)).Where(l => l.Path != null).ToLookup(l => l.Path!, l => l.Sha512, StringComparer.Ordinal);

            var verdicts = new List<FileVerdict>();
            foreach (PathHistory history in paths)
            {
                FileState final = history.Final;
                output.TryGetValue(history.RelativePath, out string? outputSha);
                Outcome outcome = outputSha == null ? Outcome.Missing
                    : outputSha == final.Sha512 ? Outcome.Identical
                    : history.Contains(outputSha) ? Outcome.Stale
                    : Outcome.Corrupt;
                string[] sentShas = sentByPath[history.RelativePath].ToArray();
                string[] receivedShas = receivedByPath[history.RelativePath].ToArray();
                var notes = new List<string>();
                if (outcome != Outcome.Identical)
                {
                    notes.AddRange(Explain(history, outputSha, sentShas, receivedShas, sentLinesByPath[history.RelativePath].LastOrDefault(), abandonedByPath.GetValueOrDefault(history.RelativePath), chunkSize));
                }
                verdicts.Add(new FileVerdict(history, outcome, outputSha, sentShas.Count(s => s == final.Sha512), receivedShas.Count(s => s == final.Sha512), notes));
            }

            List<string> unexpected = output.Keys.Where(p => ledger.Find(p) == null).OrderBy(p => p, StringComparer.Ordinal).ToList();
            return new FinalComparison(verdicts, unexpected, Repeats(paths, receivedByPath), Repeats(paths, sentByPath), sent.Count, received.Count);
        }

        private static List<Repeat> Repeats(IReadOnlyList<PathHistory> paths, ILookup<string, string> lines)
        {
            var repeats = new List<Repeat>();
            foreach (PathHistory history in paths)
            {
                foreach (IGrouping<string, string> version in lines[history.RelativePath].GroupBy(s => s, StringComparer.Ordinal))
                {
                    int produced = history.Occurrences(version.Key);
                    if (version.Count() > produced && produced > 0)
                    {
                        repeats.Add(new Repeat(history.RelativePath, version.Key, version.Count(), produced));
                    }
                }
            }
            return repeats;
        }

        /// <summary>What the history of a file that did not arrive says about why.</summary>
        private static IEnumerable<string> Explain(PathHistory history, string? outputSha, string[] sentShas, string[] receivedShas, CliFileLine? lastSent, int abandoned, long chunkSize)
        {
            FileState final = history.Final;
            yield return $"final state #{final.Index} of {history.States.Count}: {final.Operation}, {final.Length:N0} bytes, mtime {final.MtimeUtc:yyyy-MM-dd HH:mm:ss.fff}";
            if (outputSha != null && history.Contains(outputSha))
            {
                FileState held = history.States.Last(s => s.Sha512 == outputSha);
                yield return $"the output holds state #{held.Index} ({held.Operation}, mtime {held.MtimeUtc:yyyy-MM-dd HH:mm:ss.fff})";
            }
            int sentFinal = sentShas.Count(s => s == final.Sha512);
            int receivedFinal = receivedShas.Count(s => s == final.Sha512);
            yield return $"uploader printed 'sent' for the final content {sentFinal} time(s); downloader printed 'received' for it {receivedFinal} time(s)";

            // Judged on the results of operations: what an operation left on the way (an empty file after
            // O_TRUNC) is no earlier version.
            List<FileState> results = history.Results.ToList();
            FileState? firstSame = results.FirstOrDefault(s => s.Sha512 == final.Sha512);
            bool wentBack = firstSame != null && firstSame.Index < final.Index && results.Any(s => s.Index > firstSame.Index && s.Index < final.Index && s.Sha512 != final.Sha512);
            if (wentBack)
            {
                yield return $"its content went back to an earlier version (state #{firstSame!.Index} had it too): matches issue 14 item 0 (received before outranks sent later)";
            }
            var sentEarlier = new HashSet<string>(sentShas.Where(s => s != final.Sha512), StringComparer.Ordinal);
            DateTime? newestSentMtime = results.Where(s => s.Index < final.Index && sentEarlier.Contains(s.Sha512) && s.MtimeUtc.HasValue).Select(s => s.MtimeUtc).Max();
            if (final.MtimeUtc.HasValue && newestSentMtime.HasValue && final.MtimeUtc <= newestSentMtime)
            {
                yield return $"its mtime is older than or equal to that of a version sent before ({newestSentMtime:yyyy-MM-dd HH:mm:ss.fff}); Kafka 0.9 keeps no message timestamps: matches issue 14 item 3";
            }
            if (abandoned > 0)
            {
                yield return $"the uploader gave up {abandoned} version(s) of it mid-send ('changed while it was being sent')";
                if (sentFinal > 0 && receivedFinal == 0 && !wentBack)
                {
                    yield return "the final version was sent whole but never delivered: the receiver keeps the abandoned partial version (same size, and the same mtime when the rewrite began before the uploader's read); Kafka 0.9 gives no timestamp to tell them apart: matches issue 14 item 3 (a same-size rewrite mid-send)";
                }
            }
            if (sentFinal == 0)
            {
                FileState? lastSentState = lastSent == null ? null : history.States.LastOrDefault(s => s.Sha512 == lastSent.Sha512);
                if (lastSent != null && lastSentState != null && lastSentState.Index < final.Index && lastSent.SeenUtc > final.RecordedUtc)
                {
                    yield return $"the uploader's last 'sent' line for it names state #{lastSentState.Index} and was seen {(lastSent.SeenUtc - final.RecordedUtc).TotalMilliseconds:0} ms after the final rewrite began, and no run sent the final content: "
                        + "most likely it read the old content after the rewrite (one write call) had already set the new mtime but before its data was copied, recorded the old content under the new size and mtime, "
                        + "and so sees nothing left to send. A silent loss; NOT in issue 14 as filed (same root as item 2: size and mtime compared around the read only)";
                }
                else
                {
                    yield return "the uploader never reported the final content as sent: an uploader-side loss (not in issue 14's list unless explained above)";
                }
            }
            if (final.Length <= chunkSize)
            {
                yield return "one chunk";
            }
        }
    }
}
