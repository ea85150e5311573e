using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Config
{
    /// <summary>
    /// The two value transformations OpenMSIStream config files rely on, in the order Python applies
    /// them: configparser's basic interpolation (<c>%%</c> is a literal percent sign, <c>%(name)s</c>
    /// refers to another key), then, only for a value that starts with <c>$</c>, environment variables
    /// (<c>$NAME</c> and <c>${NAME}</c>, text around them kept).
    /// </summary>
    internal sealed class ConfigValueExpander
    {
        private const int MaxInterpolationDepth = 10; // configparser's limit
        private static readonly Regex VariablePattern = new Regex(@"\$(?:(\w+)|\{([^}]*)\})", RegexOptions.CultureInvariant);

        private readonly string _file;
        private readonly Func<string, string?> _environment;

        public ConfigValueExpander(string file, Func<string, string?> environment)
        {
            _file = file;
            _environment = environment;
        }

        /// <summary>Expands <paramref name="key"/> of <paramref name="section"/>; <paramref name="lookup"/> holds that section's raw values (DEFAULT merged in).</summary>
        public string Expand(string section, string key, IReadOnlyDictionary<string, string> lookup)
        {
            string value = Interpolate(section, key, lookup[key], lookup, 1);
            return value.StartsWith("$", StringComparison.Ordinal) ? ExpandEnvironment(section, key, value) : value;
        }

        private string Interpolate(string section, string key, string raw, IReadOnlyDictionary<string, string> lookup, int depth)
        {
            if (raw.IndexOf('%') < 0)
            {
                return raw;
            }
            if (depth > MaxInterpolationDepth)
            {
                throw Invalid(section, key, $"'%(...)s' references nest deeper than {MaxInterpolationDepth} levels (a reference loop?)");
            }
            var result = new StringBuilder(raw.Length);
            for (int i = 0; i < raw.Length; i++)
            {
                char c = raw[i];
                if (c != '%')
                {
                    result.Append(c);
                    continue;
                }
                char next = i + 1 < raw.Length ? raw[i + 1] : '\0';
                if (next == '%')
                {
                    result.Append('%');
                    i++;
                }
                else if (next == '(')
                {
                    int close = raw.IndexOf(")s", i + 2, StringComparison.Ordinal);
                    if (close < 0)
                    {
                        throw Invalid(section, key, "'%(' is not closed by ')s' (write '%%' for a literal percent sign)");
                    }
                    string reference = raw.Substring(i + 2, close - i - 2).ToLowerInvariant();
                    if (!lookup.TryGetValue(reference, out string? referenced))
                    {
                        throw Invalid(section, key, $"'%({reference})s' refers to a key that section [{section}] does not have");
                    }
                    result.Append(Interpolate(section, reference, referenced, lookup, depth + 1));
                    i = close + 1;
                }
                else
                {
                    throw Invalid(section, key, "'%' must be followed by '%' or '(' (write '%%' for a literal percent sign, as Python's configparser requires)");
                }
            }
            return result.ToString();
        }

        private string ExpandEnvironment(string section, string key, string value)
        {
            return VariablePattern.Replace(value, match =>
            {
                string name = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
                string? resolved = _environment(name);
                if (resolved == null)
                {
                    throw new OpenMsiStreamException(ErrorIds.ConfigUnsetVariable,
                        $"Config file '{_file}' [{section}] {key}: environment variable '{name}' is not set. Set it, or write the value into the file.",
                        target: name);
                }
                return resolved;
            });
        }

        private OpenMsiStreamException Invalid(string section, string key, string reason) =>
            new OpenMsiStreamException(ErrorIds.ConfigFileInvalid,
                $"Config file '{_file}' [{section}] {key}: {reason}.", target: _file);
    }
}
