using System;

namespace OpenMsiStream.Wire
{
    /// <summary>The producer mtime of a chunk message (Unix seconds, a double) as a UTC time.</summary>
    public static class UnixTime
    {
        private static readonly DateTime Epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        /// <summary>A file's mtime as the wire format carries it (fractional seconds since 1970).</summary>
        public static double ToSeconds(DateTime utc) => (utc - Epoch).Ticks / (double)TimeSpan.TicksPerSecond;

        /// <summary>Null when unknown or beyond what DateTime holds.</summary>
        public static DateTime? ToUtc(double? unixSeconds) =>
            unixSeconds is double seconds && seconds >= 0 && seconds < (DateTime.MaxValue - Epoch).TotalSeconds
                ? Epoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond))
                : (DateTime?)null;
    }
}
