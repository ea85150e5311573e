using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Text;

namespace OpenMsiStream.Processes
{
    /// <summary>Passes a list of arguments to a program so that each arrives as exactly one argument (per-file commands, service management).</summary>
    internal static class CommandLine
    {
        private static readonly PropertyInfo? ArgumentList = typeof(ProcessStartInfo).GetProperty("ArgumentList");

        public static void SetArguments(ProcessStartInfo start, IReadOnlyList<string> arguments)
        {
            // .NET Core has ProcessStartInfo.ArgumentList, which passes arguments without any quoting
            // rules; .NET Framework (Windows PowerShell 5.1) only has the single Arguments string.
            if (ArgumentList?.GetValue(start) is Collection<string> list)
            {
                foreach (string argument in arguments)
                {
                    list.Add(argument);
                }
                return;
            }
            start.Arguments = Join(arguments);
        }

        /// <summary>
        /// Quotes for the rules of the Microsoft C runtime's command-line parser (CommandLineToArgvW): an
        /// argument with spaces, tabs or quotes is wrapped in quotes, quotes inside are escaped with a
        /// backslash, and backslashes are doubled only where they precede a quote.
        /// </summary>
        public static string Join(IEnumerable<string> arguments) => string.Join(" ", arguments.Select(Quote));

        public static string Quote(string argument)
        {
            if (argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0)
            {
                return argument;
            }
            var quoted = new StringBuilder("\"");
            int backslashes = 0;
            foreach (char c in argument)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }
                if (c == '"')
                {
                    quoted.Append('\\', backslashes * 2 + 1);
                }
                else
                {
                    quoted.Append('\\', backslashes);
                }
                backslashes = 0;
                quoted.Append(c);
            }
            quoted.Append('\\', backslashes * 2);
            return quoted.Append('"').ToString();
        }
    }
}
