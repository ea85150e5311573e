using System.Globalization;
using System.Text;

namespace OpenMsiStream.Diagnostics
{
    /// <summary>
    /// Text that names files from the wire, made safe to print: a producer chooses the names, and a
    /// name holding a newline could forge a second "received" line in output that scripts read line by
    /// line, while a carriage return or an ANSI escape sequence could rewrite what a terminal shows.
    /// Control characters (C0, DEL, C1), line and paragraph separators and the bidirectional overrides
    /// are shown as escapes (<c>\n</c>, <c>\r</c>, <c>\u001b</c>); everything else, non-ASCII letters
    /// included, is kept. A tab is kept too: it neither ends a line nor controls a terminal, and some
    /// outputs separate their fields with it. Objects handed to PowerShell keep the real names: only
    /// printed text is escaped.
    /// </summary>
    public static class PrintableText
    {
        public static string Escape(string text)
        {
            int first = 0;
            while (first < text.Length && !NeedsEscape(text[first]))
            {
                first++;
            }
            if (first == text.Length)
            {
                return text;
            }
            var escaped = new StringBuilder(text.Length + 16).Append(text, 0, first);
            for (int i = first; i < text.Length; i++)
            {
                char c = text[i];
                switch (c)
                {
                    case '\n':
                        escaped.Append("\\n");
                        break;
                    case '\r':
                        escaped.Append("\\r");
                        break;
                    default:
                        if (NeedsEscape(c))
                        {
                            escaped.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            escaped.Append(c);
                        }
                        break;
                }
            }
            return escaped.ToString();
        }

        private static bool NeedsEscape(char c) =>
            (char.IsControl(c) && c != '\t')
            || c == '\u2028' || c == '\u2029'
            || (c >= '\u202a' && c <= '\u202e')
            || (c >= '\u2066' && c <= '\u2069');
    }
}
