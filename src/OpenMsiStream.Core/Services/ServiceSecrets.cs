using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Services
{
    /// <summary>
    /// The environment variables a service needs: every $NAME its config file refers to (the broker
    /// password, S3 keys) plus any named explicitly. Their values are taken from the registering
    /// session and written to the service's secrets file, so they are never in the unit or definition.
    /// </summary>
    public static class ServiceSecrets
    {
        private static readonly Regex Reference = new Regex(@"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", RegexOptions.CultureInvariant);

        public static IReadOnlyDictionary<string, string> Collect(IReadOnlyList<string> arguments, string workingDirectory, IEnumerable<string> extraNames)
        {
            var names = new SortedSet<string>(extraNames, StringComparer.Ordinal);
            for (int i = 0; i < arguments.Count - 1; i++)
            {
                if (arguments[i] == "--config")
                {
                    string path = ConfigFileLocator.Resolve(arguments[i + 1], null, workingDirectory);
                    foreach (Match match in Reference.Matches(File.ReadAllText(path)))
                    {
                        names.Add(match.Groups[1].Value);
                    }
                }
            }
            var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var missing = new List<string>();
            foreach (string name in names)
            {
                string? value = Environment.GetEnvironmentVariable(name);
                if (value == null)
                {
                    missing.Add(name);
                }
                else
                {
                    values[name] = value;
                }
            }
            if (missing.Count > 0)
            {
                throw new OpenMsiStreamException(ErrorIds.ServiceVariableUnset,
                    $"The service needs {string.Join(", ", missing.Select(n => "$" + n))}, which {(missing.Count == 1 ? "is" : "are")} not set here: set {(missing.Count == 1 ? "it" : "them")} in this session and register again (the values go to the service's secrets file).",
                    target: missing[0]);
            }
            return values;
        }

        /// <summary>systemd EnvironmentFile syntax (also read by the service host itself on Windows).</summary>
        public static string Render(IReadOnlyDictionary<string, string> values)
        {
            var text = new StringBuilder();
            foreach (KeyValuePair<string, string> pair in values)
            {
                text.Append(pair.Key).Append("=\"").Append(pair.Value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")).Append("\"\n");
            }
            return text.ToString();
        }

        /// <summary>Reads a secrets file back into the environment of this process (variables already set win).</summary>
        public static void Load(string path)
        {
            if (!File.Exists(path))
            {
                return;
            }
            foreach (string line in File.ReadAllLines(path))
            {
                int equals = line.IndexOf('=');
                if (equals <= 0 || line.StartsWith("#", StringComparison.Ordinal))
                {
                    continue;
                }
                string name = line.Substring(0, equals);
                string value = line.Substring(equals + 1);
                if (value.Length >= 2 && value[0] == '"' && value[value.Length - 1] == '"')
                {
                    value = Unquote(value.Substring(1, value.Length - 2));
                }
                if (Environment.GetEnvironmentVariable(name) == null)
                {
                    Environment.SetEnvironmentVariable(name, value);
                }
            }
        }

        /// <summary>Undoes <see cref="Render"/>'s escapes: \\, \" and \n.</summary>
        private static string Unquote(string quoted)
        {
            var value = new StringBuilder(quoted.Length);
            for (int i = 0; i < quoted.Length; i++)
            {
                if (quoted[i] == '\\' && i + 1 < quoted.Length)
                {
                    i++;
                    value.Append(quoted[i] == 'n' ? '\n' : quoted[i]);
                }
                else
                {
                    value.Append(quoted[i]);
                }
            }
            return value.ToString();
        }
    }
}
