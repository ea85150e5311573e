using System;

namespace OpenMsiStream.Download
{
    public enum ReceiveStopReason
    {
        CountReached,
        IdleTimeout,
        Cancelled,
    }

    /// <summary>How a receive run ended.</summary>
    public sealed class ReceiveSummary
    {
        public ReceiveSummary(int filesReceived, int errors, long messages, long bytes, TimeSpan elapsed, ReceiveStopReason stopReason)
        {
            FilesReceived = filesReceived;
            Errors = errors;
            Messages = messages;
            Bytes = bytes;
            Elapsed = elapsed;
            StopReason = stopReason;
        }

        public int FilesReceived { get; }

        public int Errors { get; }

        public long Messages { get; }

        public long Bytes { get; }

        public TimeSpan Elapsed { get; }

        public ReceiveStopReason StopReason { get; }
    }
}
