using System;
using System.Collections.Generic;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// Parses INI lines the way KafkaCrypto's ConfigParser does (<c>:</c> delimiter, <c>;</c>
    /// comments, case-sensitive keys, strict: no duplicate sections or keys, no option before the
    /// first section, indented lines continue the previous value). It is a little more tolerant for
    /// files written by hand: <c>=</c> also separates a key from its value and <c>#</c> also starts a
    /// comment. Only the structure is recorded, so a writer can change one value and keep the rest.
    /// </summary>
    internal static class IniReader
    {
        public const string DefaultSection = "DEFAULT";

        public static List<IniSection> Parse(IReadOnlyList<string> lines)
        {
            var sections = new List<IniSection>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            IniSection? current = null;
            PendingOption? option = null;

            for (int index = 0; index < lines.Count; index++)
            {
                string line = lines[index];
                string trimmed = line.Trim();
                int lineNumber = index + 1;
                if (trimmed.Length == 0)
                {
                    option?.AddBlank();
                    continue;
                }
                if (trimmed[0] == ';' || trimmed[0] == '#')
                {
                    continue;
                }
                int indent = line.Length - line.TrimStart().Length;
                if (option != null && indent > option.Indent)
                {
                    option.AddContinuation(trimmed, index);
                    continue;
                }
                Finish(current, ref option);
                if (trimmed[0] == '[')
                {
                    int close = trimmed.LastIndexOf(']');
                    if (close < 2)
                    {
                        throw new IniFormatException(lineNumber, "a section header must look like [name]");
                    }
                    string name = trimmed.Substring(1, close - 1);
                    if (!seen.Add(name))
                    {
                        throw new IniFormatException(lineNumber, $"section [{name}] appears twice");
                    }
                    current = new IniSection(name, index);
                    sections.Add(current);
                    continue;
                }
                if (current == null)
                {
                    throw new IniFormatException(lineNumber, "a setting appears before the first [section] header");
                }
                int delimiter = FindDelimiter(trimmed);
                if (delimiter <= 0)
                {
                    throw new IniFormatException(lineNumber, "expected 'key : value'");
                }
                string key = trimmed.Substring(0, delimiter).TrimEnd();
                if (current.Options.Exists(o => o.Key == key))
                {
                    throw new IniFormatException(lineNumber, $"key '{key}' appears twice in section [{current.Name}]");
                }
                option = new PendingOption(key, trimmed.Substring(delimiter + 1).Trim(), index, indent);
            }
            Finish(current, ref option);
            return sections;
        }

        /// <summary>
        /// The first ':' or '='. A <c>base64#</c> key (KafkaCrypto names allowlist entries by their
        /// hash) may end in '=' padding, so there the ':' wins.
        /// </summary>
        private static int FindDelimiter(string line)
        {
            int colon = line.IndexOf(':');
            int equals = line.IndexOf('=');
            if (equals < 0 || (colon >= 0 && colon < equals))
            {
                return colon;
            }
            if (colon > equals && line.StartsWith(ConfigValue.Base64Prefix, StringComparison.Ordinal))
            {
                return colon;
            }
            return equals;
        }

        private static void Finish(IniSection? section, ref PendingOption? option)
        {
            if (option != null && section != null)
            {
                section.Options.Add(new IniOption(option.Key, option.Value, option.FirstLine, option.LastLine));
                section.LastContentLine = option.LastLine;
            }
            option = null;
        }

        private sealed class PendingOption
        {
            private readonly List<string> _parts = new List<string>();
            private int _blanks;

            public PendingOption(string key, string value, int line, int indent)
            {
                Key = key;
                _parts.Add(value);
                FirstLine = line;
                LastLine = line;
                Indent = indent;
            }

            public string Key { get; }

            public int FirstLine { get; }

            public int LastLine { get; private set; }

            public int Indent { get; }

            public string Value => string.Join("\n", _parts).Trim();

            public void AddBlank() => _blanks++;

            public void AddContinuation(string text, int line)
            {
                for (; _blanks > 0; _blanks--)
                {
                    _parts.Add(string.Empty);
                }
                _parts.Add(text);
                LastLine = line;
            }
        }
    }
}
