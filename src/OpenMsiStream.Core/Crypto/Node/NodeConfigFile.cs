using System;
using System.Collections.Generic;
using System.Linq;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// A KafkaCrypto <c>.config</c> file held as its lines, so that changing one value (for example
    /// <c>oldkeys</c>) rewrites only that line and keeps every other setting, comment and the order
    /// that Python tools and people expect. Values are returned raw (see <see cref="ConfigValue"/>).
    /// Lookups follow ConfigParser: a section's own key first, then the same key in [DEFAULT].
    /// </summary>
    internal sealed class NodeConfigFile
    {
        private readonly List<string> _lines;
        private readonly string _newline;
        private List<IniSection> _sections;

        private NodeConfigFile(string path, List<string> lines, string newline)
        {
            Path = path;
            _lines = lines;
            _newline = newline;
            _sections = Reparse();
        }

        public string Path { get; }

        public IEnumerable<string> SectionNames => _sections.Select(s => s.Name);

        /// <summary>Reads and parses a config file; CryptoNodeNotFound / CryptoNodeInvalid on failure.</summary>
        public static NodeConfigFile Load(string path)
        {
            byte[] bytes = NodeFileIO.ReadAll(path, "configuration file");
            string text;
            try
            {
                text = new System.Text.UTF8Encoding(false, true).GetString(bytes);
            }
            catch (System.Text.DecoderFallbackException ex)
            {
                throw NodeErrors.Invalid(path, "it is not UTF-8 text", ex);
            }
            return Parse(text, path);
        }

        /// <summary>Parses config text; <paramref name="path"/> is used for messages and <see cref="Save"/>.</summary>
        public static NodeConfigFile Parse(string text, string path)
        {
            if (text.Length > 0 && text[0] == '\uFEFF')
            {
                text = text.Substring(1);
            }
            string newline = text.Contains("\r\n") ? "\r\n" : "\n";
            List<string> lines = text.Replace("\r\n", "\n").Split('\n').ToList();
            if (lines.Count > 0 && lines[lines.Count - 1].Length == 0)
            {
                lines.RemoveAt(lines.Count - 1); // the final newline ends the last line; it is not a line
            }
            try
            {
                return new NodeConfigFile(path, lines, newline);
            }
            catch (IniFormatException ex)
            {
                throw NodeErrors.Invalid(path, "it is not a valid KafkaCrypto configuration file (" + ex.Message + ")", ex);
            }
        }

        public bool HasSection(string section) => Find(section) != null;

        /// <summary>The section's own value for <paramref name="key"/> (exact case), or null.</summary>
        public string? Get(string section, string key)
        {
            IniOption? option = Find(section)?.Options.Find(o => o.Key == key);
            return option == null ? null : Unescape(option.Value);
        }

        /// <summary>As <see cref="Get"/>, falling back to [DEFAULT] like ConfigParser and KafkaCrypto's load_value.</summary>
        public string? GetWithDefaults(string section, string key) => Get(section, key) ?? Get(IniReader.DefaultSection, key);

        /// <summary>The section's own entries in file order (inherited [DEFAULT] entries are not included); empty if absent.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Entries(string section) =>
            Find(section)?.Options.Select(o => new KeyValuePair<string, string>(o.Key, Unescape(o.Value))).ToList()
            ?? new List<KeyValuePair<string, string>>();

        /// <summary>
        /// Sets (or, with null, removes) one value. An existing entry is rewritten in place; a new one
        /// goes after the section's last entry; a missing section is appended at the end.
        /// </summary>
        public void Set(string section, string key, string? value)
        {
            ValidateName(section, nameof(section));
            ValidateName(key, nameof(key));
            string? line = value == null ? null : key + " : " + Escape(value);
            IniSection? target = Find(section);
            IniOption? existing = target?.Options.Find(o => o.Key == key);
            if (existing != null)
            {
                _lines.RemoveRange(existing.FirstLine, existing.LastLine - existing.FirstLine + 1);
                if (line != null)
                {
                    _lines.Insert(existing.FirstLine, line);
                }
            }
            else if (line != null && target != null)
            {
                _lines.Insert(target.LastContentLine + 1, line);
            }
            else if (line != null)
            {
                if (_lines.Count > 0 && _lines[_lines.Count - 1].Trim().Length > 0)
                {
                    _lines.Add(string.Empty);
                }
                _lines.Add("[" + section + "]");
                _lines.Add(line);
                _lines.Add(string.Empty);
            }
            _sections = Reparse();
        }

        public string ToText() => string.Join(_newline, _lines) + _newline;

        /// <summary>Atomically replaces the file at <see cref="Path"/> with the current content.</summary>
        public void Save() => NodeFileIO.ReplaceText(Path, ToText());

        private IniSection? Find(string section) => _sections.Find(s => s.Name == section);

        private List<IniSection> Reparse() => IniReader.Parse(_lines);

        // ConfigParser's default BasicInterpolation reads "%%" as "%"; KafkaCrypto never writes a '%'.
        private static string Unescape(string value) => value.Replace("%%", "%");

        private static string Escape(string value) =>
            value.IndexOfAny(new[] { '\r', '\n' }) < 0
                ? value.Replace("%", "%%")
                : throw new ArgumentException("A KafkaCrypto configuration value must be a single line.", nameof(value));

        private static void ValidateName(string name, string parameter)
        {
            if (string.IsNullOrEmpty(name) || name.IndexOfAny(new[] { '\r', '\n', '[', ']' }) >= 0 ||
                (parameter == "key" && (name.IndexOf(':') >= 0 || name[0] == ';' || name[0] == '#' || char.IsWhiteSpace(name[0]))))
            {
                throw new ArgumentException($"'{name}' cannot be written as a KafkaCrypto configuration {parameter}.", parameter);
            }
        }
    }
}
