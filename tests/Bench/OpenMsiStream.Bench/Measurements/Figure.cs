using System;

namespace OpenMsiStream.Bench.Measurements
{
    /// <summary>One row of the table. MB is 10^6 bytes, GB 10^9.</summary>
    internal sealed record Figure(string Name, string Broker, long Bytes, int Files, TimeSpan Elapsed)
    {
        public int FilesLost { get; init; }

        public long? SenderPeakRss { get; init; }

        public long? ReceiverPeakRss { get; init; }

        /// <summary>CPU time (user + system) of the sending process (or the plain producer).</summary>
        public TimeSpan? SenderCpu { get; init; }

        /// <summary>CPU time of the receiving process (or the plain consumer).</summary>
        public TimeSpan? ReceiverCpu { get; init; }

        /// <summary>The kernel's part of <see cref="SenderCpu"/>.</summary>
        public TimeSpan? SenderSystemCpu { get; init; }

        /// <summary>The kernel's part of <see cref="ReceiverCpu"/>.</summary>
        public TimeSpan? ReceiverSystemCpu { get; init; }

        public double MegabytesPerSecond => Bytes / 1e6 / Elapsed.TotalSeconds;

        public double FilesPerSecond => Files / Elapsed.TotalSeconds;

        public double? SenderCpuPerGigabyte => PerGigabyte(SenderCpu);

        public double? ReceiverCpuPerGigabyte => PerGigabyte(ReceiverCpu);

        public double? SenderSystemCpuPerGigabyte => PerGigabyte(SenderSystemCpu);

        public double? ReceiverSystemCpuPerGigabyte => PerGigabyte(ReceiverSystemCpu);

        public string? Note { get; init; }

        private double? PerGigabyte(TimeSpan? cpu) => cpu is TimeSpan time && Bytes > 0 ? time.TotalSeconds / (Bytes / 1e9) : null;

        /// <summary>What bounds this figure (measured in the same run), and whether it is compared in files/s rather than MB/s.</summary>
        public Bound? Bound { get; init; }

        /// <summary>This figure as a fraction of its bound, or null without one.</summary>
        public double? OfBound => Bound == null ? null
            : Bound.InFiles ? FilesPerSecond / Bound.Figure.FilesPerSecond
            : Bound.InTime ? Bound.Figure.Elapsed.TotalSeconds / Elapsed.TotalSeconds
            : MegabytesPerSecond / Bound.Figure.MegabytesPerSecond;
    }

    /// <summary>The figure another one is compared with: in MB/s, in files/s, or in time (a shorter time is better).</summary>
    internal sealed record Bound(string Label, Figure Figure, bool InFiles = false, bool InTime = false);
}
