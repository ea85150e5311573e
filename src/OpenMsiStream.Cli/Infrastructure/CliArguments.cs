using System;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Cli.Infrastructure
{
    internal static class CliArguments
    {
        public static System.Text.RegularExpressions.Regex? Regex(string? pattern, string option) => Download.PathFilter.Parse(pattern, option);

        /// <summary>
        /// Metadata given as key=value (repeatable): the key is what comes before the first '=', the value
        /// everything after it (it may be empty or hold '='). A later key replaces an earlier one.
        /// </summary>
        public static Wire.FileMetadata Metadata(string[]? pairs, string option)
        {
            var values = new System.Collections.Generic.List<System.Collections.Generic.KeyValuePair<string, string>>();
            foreach (string pair in pairs ?? Array.Empty<string>())
            {
                int equals = pair.IndexOf('=');
                if (equals <= 0)
                {
                    throw new OpenMsiStreamException(ErrorIds.InvalidArgument, $"{option} takes key=value (got '{pair}').");
                }
                values.Add(new System.Collections.Generic.KeyValuePair<string, string>(pair.Substring(0, equals), pair.Substring(equals + 1)));
            }
            return Wire.FileMetadata.From(values, option);
        }

        /// <summary>A count that must be at least one.</summary>
        public static int Positive(int value, string option) =>
            value >= 1 ? value : throw new OpenMsiStreamException(ErrorIds.InvalidArgument, $"{option} must be at least 1 (got {value}).");

        /// <summary>A number of seconds that must be positive, as a time span; null stays null.</summary>
        public static TimeSpan? Seconds(double? seconds, string option)
        {
            if (seconds == null)
            {
                return null;
            }
            if (!(seconds > 0) || double.IsInfinity(seconds.Value))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument, $"{option} must be a positive number of seconds (got {seconds}).");
            }
            return TimeSpan.FromSeconds(seconds.Value);
        }
    }
}
