using System;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Cli.Infrastructure
{
    internal static class CliArguments
    {
        public static System.Text.RegularExpressions.Regex? Regex(string? pattern, string option)
        {
            if (pattern == null)
            {
                return null;
            }
            try
            {
                return new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.CultureInvariant);
            }
            catch (ArgumentException ex)
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument, $"{option} '{pattern}' is not a valid regular expression: {ex.Message}", ex);
            }
        }
    }
}
