using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace OpenMsiStream.Tests.Common
{
    /// <summary>
    /// OpenMSIStream-format config files for a test broker: <c>[broker]</c> with <c>bootstrap.servers</c>
    /// and the settings an old broker needs, <c>[producer]</c> with the producer-only ones, merged with
    /// sections the caller adds. The old-broker settings live only in such test files, never in product defaults.
    /// </summary>
    public static class TestBrokerConfigFile
    {
        /// <summary>
        /// Writes the file. <paramref name="settings"/> are (key, value, section) triples;
        /// <paramref name="extraSections"/> is INI text appended to it; a section it names that this
        /// file also writes is merged into one (Python's configparser refuses a repeated section), and its
        /// keys win over the broker's.
        /// </summary>
        public static void Write(string path, string bootstrapServers, IEnumerable<(string Key, string Value, string Section)> settings, string? extraSections, string headerComment)
        {
            List<(string Section, List<string> Lines)> extra = ParseSections(extraSections);
            var ours = new List<(string Section, List<string> Lines)>
            {
                ("broker", new List<string> { "bootstrap.servers = " + bootstrapServers }),
                ("producer", new List<string>()),
            };
            foreach ((string key, string value, string section) in settings)
            {
                (string Section, List<string> Lines) target = ours.FirstOrDefault(s => s.Section == section);
                if (target.Lines == null)
                {
                    target = (section, new List<string>());
                    ours.Add(target);
                }
                target.Lines.Add(key + " = " + value);
            }

            var text = new StringBuilder();
            text.Append("# ").Append(headerComment).Append('\n');
            foreach ((string section, List<string> lines) in ours)
            {
                List<string> mine = extra.Where(e => e.Section == section).SelectMany(e => e.Lines).ToList();
                var overridden = new HashSet<string>(mine.Select(KeyOf).OfType<string>(), StringComparer.Ordinal);
                text.Append('\n').Append('[').Append(section).Append("]\n");
                foreach (string line in lines.Where(l => KeyOf(l) is not string key || !overridden.Contains(key)).Concat(mine))
                {
                    text.Append(line).Append('\n');
                }
            }
            foreach ((string section, List<string> lines) in extra.Where(e => ours.All(o => o.Section != e.Section)))
            {
                text.Append('\n').Append('[').Append(section).Append("]\n");
                foreach (string line in lines)
                {
                    text.Append(line).Append('\n');
                }
            }
            string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory != null)
            {
                Directory.CreateDirectory(directory);
            }
            File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
        }

        private static List<(string Section, List<string> Lines)> ParseSections(string? ini)
        {
            var sections = new List<(string Section, List<string> Lines)>();
            if (string.IsNullOrWhiteSpace(ini))
            {
                return sections;
            }
            List<string>? current = null;
            foreach (string raw in ini.Replace("\r\n", "\n").Split('\n'))
            {
                string line = raw.TrimEnd();
                string trimmed = line.Trim();
                if (trimmed.StartsWith('[') && trimmed.EndsWith(']'))
                {
                    string name = trimmed.Substring(1, trimmed.Length - 2).Trim().ToLowerInvariant();
                    int existing = sections.FindIndex(s => s.Section == name);
                    if (existing >= 0)
                    {
                        current = sections[existing].Lines;
                    }
                    else
                    {
                        current = new List<string>();
                        sections.Add((name, current));
                    }
                }
                else if (trimmed.Length > 0)
                {
                    if (current == null)
                    {
                        throw new ArgumentException($"'{trimmed}' in the extra config text is outside any [section].", nameof(ini));
                    }
                    current.Add(line);
                }
            }
            return sections;
        }

        private static string? KeyOf(string line)
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith('#') || trimmed.StartsWith(';'))
            {
                return null;
            }
            int separator = trimmed.IndexOfAny(new[] { '=', ':' });
            return separator > 0 ? trimmed.Substring(0, separator).Trim().ToLowerInvariant() : null;
        }
    }
}
