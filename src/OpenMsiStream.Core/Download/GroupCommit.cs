namespace OpenMsiStream.Download
{
    /// <summary>
    /// How completed files are made durable together: files that complete close together share their
    /// fsyncs (issued at once, so the file system commits its journal once for many), one fsync per
    /// directory and one registry transaction, and only then are reported received and their messages
    /// committed. The guarantee per file is unchanged; only its cost is shared.
    /// </summary>
    internal static class GroupCommit
    {
        /// <summary>Most files made durable together.</summary>
        public const int MaxFiles = 256;

        /// <summary>Most bytes waiting in one group (large files go alone soon after they complete).</summary>
        public const long MaxBytes = 64L << 20;

        /// <summary>fsync calls issued at once: enough for the file system to share its journal commits.</summary>
        public const int ParallelFsyncs = 8;

        /// <summary>Longest a completed file waits for others before its group is committed, in milliseconds.</summary>
        public const int MaxWaitMilliseconds = 50;
    }
}
