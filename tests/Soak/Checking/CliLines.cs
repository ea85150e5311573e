using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using OpenMsiStream.Soak.Writing;

namespace OpenMsiStream.Soak.Checking
{
    /// <summary>A `sent …` or `received …` line of the CLI, with the path as printed and the SHA-512 it names.</summary>
    internal sealed record CliFileLine(string PrintedPath, string Sha512, string Line, DateTime SeenUtc);

    /// <summary>
    /// Reads the one-line-per-file output of upload-directory (`sent PATH (…) sha512 HEX`) and
    /// download-directory (`received PATH (…) sha512 HEX`) across all runs, and matches the printed
    /// paths to the writer's paths. Names with control characters (tabs) may be printed escaped, so a
    /// printed path that is not a path the writer used is matched with control characters and escape
    /// sequences left out on both sides.
    /// </summary>
    internal static class CliLines
    {
        private static readonly Regex Escape = new Regex(@"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|u\{[0-9A-Fa-f]+\}|[0-7]{3}|[abtnvfre\\])|\^[@-_?]", RegexOptions.CultureInvariant);

        public static List<CliFileLine> Parse(IEnumerable<(DateTime SeenUtc, string Line)> lines, string verb)
        {
            var pattern = new Regex("^" + verb + @" (.+) \([^()]*\) sha512 ([0-9a-f]{128})$", RegexOptions.CultureInvariant);
            var result = new List<CliFileLine>();
            foreach ((DateTime seen, string line) in lines)
            {
                Match match = pattern.Match(line.TrimEnd('\r'));
                if (match.Success)
                {
                    result.Add(new CliFileLine(match.Groups[1].Value, match.Groups[2].Value, line, seen));
                }
            }
            return result;
        }

        /// <summary>The writer's path a printed path stands for, or null.</summary>
        public static string? Resolve(string printedPath, IReadOnlyList<PathHistory> paths, Dictionary<string, string?> cache)
        {
            if (cache.TryGetValue(printedPath, out string? known))
            {
                return known;
            }
            string? exact = paths.FirstOrDefault(p => p.RelativePath == printedPath)?.RelativePath;
            string? resolved = exact;
            if (resolved == null)
            {
                string skeleton = Skeleton(Escape.Replace(printedPath, ""));
                List<PathHistory> candidates = paths.Where(p => Skeleton(p.RelativePath) == skeleton).ToList();
                resolved = candidates.Count == 1 ? candidates[0].RelativePath : null;
            }
            cache[printedPath] = resolved;
            return resolved;
        }

        private static string Skeleton(string path)
        {
            var text = new StringBuilder(path.Length);
            foreach (char c in path)
            {
                if (!char.IsControl(c))
                {
                    text.Append(c);
                }
            }
            return text.ToString();
        }
    }
}
