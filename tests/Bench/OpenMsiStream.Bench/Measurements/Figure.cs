using System;

namespace OpenMsiStream.Bench.Measurements
{
    /// <summary>One row of the table. MB is 10^6 bytes.</summary>
    internal sealed record Figure(string Name, string Broker, long Bytes, int Files, TimeSpan Elapsed)
    {
        public int FilesLost { get; init; }

        public long? SenderPeakRss { get; init; }

        public long? ReceiverPeakRss { get; init; }

        public double MegabytesPerSecond => Bytes / 1e6 / Elapsed.TotalSeconds;

        public double FilesPerSecond => Files / Elapsed.TotalSeconds;

        public string? Note { get; init; }
    }
}
