using System;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Cli.Infrastructure
{
    internal static class CliArguments
    {
        public static System.Text.RegularExpressions.Regex? Regex(string? pattern, string option) => Download.PathFilter.Parse(pattern, option);

        /// <summary>A count that must be at least one.</summary>
        public static int Positive(int value, string option) =>
            value >= 1 ? value : throw new OpenMsiStreamException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument, $"{option} must be at least 1 (got {value}).");

        /// <summary>A count that must be at least one; null stays null.</summary>
        public static long? Positive(long? value, string option) =>
            value == null || value >= 1 ? value : throw new OpenMsiStreamException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument, $"{option} must be at least 1 (got {value}).");

        /// <summary>A number of seconds that may be zero but not negative.</summary>
        public static TimeSpan NonNegativeSeconds(double seconds, string option) =>
            seconds >= 0 && !double.IsInfinity(seconds) ? TimeSpan.FromSeconds(seconds)
                : throw new OpenMsiStreamException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument, $"{option} must be zero or a positive number of seconds (got {seconds}).");

        /// <summary>A number of seconds that must be positive, as a time span; null stays null.</summary>
        public static TimeSpan? Seconds(double? seconds, string option)
        {
            if (seconds == null)
            {
                return null;
            }
            if (!(seconds > 0) || double.IsInfinity(seconds.Value))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument, $"{option} must be a positive number of seconds (got {seconds}).");
            }
            return TimeSpan.FromSeconds(seconds.Value);
        }
    }
}
