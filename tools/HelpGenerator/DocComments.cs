using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace OpenMsiStream.HelpGenerator
{
    /// <summary>The compiler's XML documentation files, looked up by member id (T:, P:).</summary>
    internal sealed class DocComments
    {
        private readonly Dictionary<string, XElement> _members = new Dictionary<string, XElement>(StringComparer.Ordinal);

        public DocComments(IEnumerable<string> files)
        {
            foreach (string file in files)
            {
                foreach (XElement member in XDocument.Load(file).Descendants("member"))
                {
                    _members[(string)member.Attribute("name")!] = member;
                }
            }
        }

        public XElement? Find(string id) => _members.TryGetValue(id, out XElement? member) ? member : null;

        /// <summary>The text of <c>&lt;para type="…"&gt;</c> elements of a type's comment.</summary>
        public IReadOnlyList<string> Paragraphs(XElement? member, string type) =>
            member?.Descendants("para").Where(p => (string?)p.Attribute("type") == type).Select(Text).ToList() ?? new List<string>();

        /// <summary>A member's summary as plain text, or empty.</summary>
        public string Summary(string id) => Find(id)?.Element("summary") is XElement summary ? Text(summary) : string.Empty;

        /// <summary>Element text with whitespace collapsed and &lt;see cref&gt; turned into the name.</summary>
        public static string Text(XElement element)
        {
            string text = string.Concat(element.Nodes().Select(node => node switch
            {
                XText t => t.Value,
                XElement { Name.LocalName: "see" } see => ShortName((string?)see.Attribute("cref") ?? (string?)see.Attribute("langword") ?? string.Empty),
                XElement { Name.LocalName: "c" } c => c.Value,
                XElement e => Text(e),
                _ => string.Empty,
            }));
            return Regex.Replace(text, @"\s+", " ").Trim();
        }

        /// <summary>Code keeps its lines; the common indentation of doc comments is removed.</summary>
        public static string Code(XElement code)
        {
            string[] lines = code.Value.Replace("\r", string.Empty).Split('\n');
            List<string> kept = lines.SkipWhile(string.IsNullOrWhiteSpace).Reverse().SkipWhile(string.IsNullOrWhiteSpace).Reverse().ToList();
            int indent = kept.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
            return string.Join("\n", kept.Select(l => l.Length >= indent ? l.Substring(indent) : l.TrimStart()));
        }

        private static string ShortName(string cref)
        {
            string name = cref.Contains(':') ? cref.Substring(cref.IndexOf(':') + 1) : cref;
            return name.Substring(name.LastIndexOf('.') + 1);
        }
    }
}
