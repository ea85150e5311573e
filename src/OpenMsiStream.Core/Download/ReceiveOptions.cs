using System;
using System.Text.RegularExpressions;

namespace OpenMsiStream.Download
{
    public sealed class ReceiveOptions
    {
        public ReceiveOptions(string topic) => Topic = topic;

        public string Topic { get; }

        /// <summary>
        /// Consumer group. Null means a new group for this run that reads the topic from its beginning
        /// (OpenMSIStream's <c>create_new</c>); give a fixed id to resume where the last run stopped.
        /// </summary>
        public string? GroupId { get; set; }

        /// <summary>
        /// The program id of a long-running receiver, for Kafka's static membership (see
        /// <see cref="Kafka.StaticMembership"/>): with a fixed group, a restart gets its partitions back at
        /// once. Null: a dynamic member, as a one-off receive is.
        /// </summary>
        public string? ProgramId { get; set; }

        /// <summary>Directory to rebuild files in; null keeps them in memory (<see cref="ReceivedFile.Bytes"/>).</summary>
        public string? OutputDirectory { get; set; }

        /// <summary>Only files whose POSIX relative path matches are rebuilt; others are skipped.</summary>
        public Regex? Filter { get; set; }

        /// <summary>Stop after this many files were received.</summary>
        public int? Count { get; set; }

        /// <summary>Stop when no message arrived for this long.</summary>
        public TimeSpan? IdleTimeout { get; set; }

        /// <summary>Largest file received into memory.</summary>
        public long MaxMemoryFileSize { get; set; } = Defaults.MaxMemoryFileSize;

        public TimeSpan ConnectTimeout { get; set; } = Defaults.ConnectTimeout;

        /// <summary>
        /// When true, a received file's messages are committed only once <see cref="FileReceiver.Acknowledge"/>
        /// is called for it, so a file handed to a consumer that stopped before taking it is delivered again.
        /// </summary>
        public bool AcknowledgeFiles { get; set; }

        /// <summary>
        /// An unfinished file that gets no new chunk for this long is given up (its producer stopped
        /// mid-file and did not come back), so it no longer holds its partition's commits back.
        /// </summary>
        public TimeSpan StalledFileTimeout { get; set; } = Defaults.StalledFileTimeout;

        /// <summary>
        /// With an output directory: called with each file once it is in place and before it is recorded
        /// as received, one call at a time, on the worker thread that makes its group durable (or on the
        /// receiver's thread), so it must not touch what the observer's calls touch without a lock. The
        /// files of the group before have been passed to the observer by then. A consumer that keeps its
        /// own durable record of files to handle writes it here, so a crash between the two records
        /// cannot lose a file (a received file is not delivered again).
        /// </summary>
        public Action<ReceivedFile>? Delivering { get; set; }

        /// <summary>Waits for KafkaCrypto keys, and plain messages on encrypted topics (config with [kafkacrypto]).</summary>
        public Crypto.Runtime.DecryptionOptions Decryption { get; set; } = new Crypto.Runtime.DecryptionOptions();

        /// <summary>
        /// Where undecryptable messages are kept when there is no <see cref="OutputDirectory"/> (with one,
        /// they go to its ENCRYPTED_MESSAGES folder); null reports them without keeping them.
        /// </summary>
        public string? UndecryptableDirectory { get; set; }

        /// <summary>
        /// Most files in progress at once. Beyond it the one that has waited longest for its next chunk is
        /// given up (<c>IncompleteFileAbandoned</c>), so a producer that starts files it never finishes
        /// cannot exhaust the receiver's memory, disk or commits.
        /// </summary>
        public int MaxFilesInProgress { get; set; } = Defaults.MaxFilesInProgress;

        /// <summary>Most bytes held by files in progress (on disk or in memory); beyond it, as <see cref="MaxFilesInProgress"/>.</summary>
        public long MaxBytesInProgress { get; set; } = Defaults.MaxBytesInProgress;

        /// <summary>Largest file accepted; a chunk claiming bytes beyond it is rejected.</summary>
        public long MaxFileSize { get; set; } = Reassembler.DefaultMaxFileSize;

        /// <summary>Commits the group's offsets instead of the consumer (a stream processor's result transactions); null: the consumer commits.</summary>
        internal IOffsetCommitter? OffsetCommitter { get; set; }
    }
}
