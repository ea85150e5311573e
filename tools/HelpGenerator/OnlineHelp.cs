using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace OpenMsiStream.HelpGenerator
{
    /// <summary>
    /// The address Get-Help -Online opens for a cmdlet: the section of the README (at the module's
    /// ProjectUri) that documents it. The section is the first heading that names the cmdlet, else the
    /// first section that mentions it (`Register-MsiService` under "Running as a service"), else the
    /// cmdlet table. Anchors are GitHub's: lower case, punctuation dropped, spaces as hyphens.
    /// </summary>
    internal static class OnlineHelp
    {
        private static readonly Regex Heading = new Regex(@"^(#{2,3})\s+(.+?)\s*$");

        public static IReadOnlyDictionary<string, string> Addresses(Uri projectUri, string readme, IEnumerable<string> cmdlets)
        {
            var sections = new List<(string Title, string Body)>();
            string? title = null;
            var body = new StringBuilder();
            foreach (string line in readme.Split('\n'))
            {
                Match heading = Heading.Match(line);
                if (heading.Success && !InFence(body))
                {
                    if (title != null)
                    {
                        sections.Add((title, body.ToString()));
                    }
                    title = heading.Groups[2].Value;
                    body.Clear();
                    continue;
                }
                body.Append(line).Append('\n');
            }
            if (title != null)
            {
                sections.Add((title, body.ToString()));
            }
            var addresses = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string cmdlet in cmdlets)
            {
                (string Title, string Body)? section = sections.FirstOrDefault(s => Names(s.Title, cmdlet));
                if (section?.Title == null)
                {
                    section = sections.FirstOrDefault(s => s.Title != "Cmdlets" && Regex.IsMatch(s.Body, @"(?<![\w-])" + Regex.Escape(cmdlet) + @"(?![\w-])"));
                }
                if (section?.Title == null)
                {
                    section = sections.FirstOrDefault(s => s.Title == "Cmdlets");
                }
                if (section?.Title != null)
                {
                    addresses[cmdlet] = projectUri.AbsoluteUri.TrimEnd('/') + "#" + Anchor(section.Value.Title);
                }
            }
            return addresses;
        }

        /// <summary>Finds the README above the laid-out module (out/OpenMsiStream/ in a checkout).</summary>
        public static string? FindReadme(string manifest)
        {
            for (string? directory = Path.GetDirectoryName(manifest); directory != null; directory = Path.GetDirectoryName(directory))
            {
                string candidate = Path.Combine(directory, "README.md");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
            return null;
        }

        public static string Anchor(string title)
        {
            var anchor = new StringBuilder();
            foreach (char c in title.Trim().ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c == '-' || c == '_')
                {
                    anchor.Append(c);
                }
                else if (c == ' ')
                {
                    anchor.Append('-');
                }
            }
            return anchor.ToString();
        }

        private static bool Names(string title, string cmdlet) =>
            Regex.IsMatch(title, @"(^|[\s,`])" + Regex.Escape(cmdlet) + @"($|[\s,`])");

        private static bool InFence(StringBuilder body) => Regex.Matches(body.ToString(), @"^```", RegexOptions.Multiline).Count % 2 == 1;
    }
}
