using System;
using System.IO;
using System.Text.RegularExpressions;
using OpenMsiStream.Download;
using OpenMsiStream.State;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Processing
{
    /// <summary>Where a stream processor keeps the files it hands to its handler.</summary>
    public enum ProcessingMode
    {
        /// <summary>In memory only (<see cref="ReceivedFile.Bytes"/>); the default, like OpenMSIStream's.</summary>
        Memory,

        /// <summary>Written to the output directory (<see cref="ReceivedFile.FullName"/>).</summary>
        Disk,

        /// <summary>Written to the output directory and also loaded into memory.</summary>
        Both,
    }

    public sealed class StreamProcessingOptions
    {
        public StreamProcessingOptions(string topic, string groupId)
        {
            if (string.IsNullOrWhiteSpace(groupId))
            {
                // A processor's record of what it processed belongs to one group: a new group per run
                // would read everything again and could not resume anything.
                throw new ArgumentException("A stream processor needs a fixed consumer group id.", nameof(groupId));
            }
            Topic = topic;
            GroupId = groupId;
        }

        public string Topic { get; }

        /// <summary>The consumer group; the processing record (what was processed, what failed) is kept per topic and group.</summary>
        public string GroupId { get; }

        /// <summary>The program id of a long-running processor, for Kafka's static membership (see <see cref="Download.ReceiveOptions.ProgramId"/>).</summary>
        public string? ProgramId { get; set; }

        public ProcessingMode Mode { get; set; } = ProcessingMode.Memory;

        /// <summary>Where files are rebuilt in <see cref="ProcessingMode.Disk"/> and <see cref="ProcessingMode.Both"/> modes.</summary>
        public string? OutputDirectory { get; set; }

        /// <summary>
        /// Where the processing record and copies of failed files' content are kept. Default: the
        /// output directory's <c>.openmsistream</c> folder with one, else
        /// <c>&lt;local app data&gt;/OpenMsiStream/processors/&lt;topic&gt;.&lt;group&gt;</c>.
        /// </summary>
        public string? StateDirectory { get; set; }

        /// <summary>Waits for KafkaCrypto keys, and plain messages on encrypted topics (config with [kafkacrypto]).</summary>
        public Crypto.Runtime.DecryptionOptions Decryption { get; set; } = new Crypto.Runtime.DecryptionOptions();

        /// <summary>Only files whose POSIX relative path matches are processed; others are skipped.</summary>
        public Regex? Filter { get; set; }

        /// <summary>Files handled at the same time (OpenMSIStream's n_threads, default 2).</summary>
        public int ThrottleLimit { get; set; } = Defaults.ThrottleLimit;

        /// <summary>A handler that runs longer than this on one file is stopped and the file recorded as failed.</summary>
        public TimeSpan? Timeout { get; set; }

        /// <summary>Topic the handler's result messages are produced to; null produces nothing.</summary>
        public string? ResultTopic { get; set; }

        /// <summary>
        /// Whether each file's results and the consumer's offsets commit in one Kafka transaction (exactly-once
        /// results for read_committed consumers). Auto (the default) uses transactions where the broker
        /// implements them and says so at the start; see <see cref="ResultDelivery"/>.
        /// </summary>
        public ExactlyOnceMode ExactlyOnce { get; set; } = ExactlyOnceMode.Auto;

        /// <summary>Stop once this many files were processed or failed.</summary>
        public int? Count { get; set; }

        /// <summary>Stop when nothing arrived for this long and all work is done.</summary>
        public TimeSpan? IdleTimeout { get; set; }

        /// <summary>
        /// Failed files are processed again after this long while the processor keeps running (not only
        /// at its next start); null retries only at the next start.
        /// </summary>
        public TimeSpan? RetryFailedAfter { get; set; }

        /// <summary>Largest file loaded into memory (Memory and Both modes).</summary>
        public long MaxMemoryFileSize { get; set; } = Defaults.MaxMemoryFileSize;

        /// <summary>
        /// Disk modes: a file's copy in the output directory is deleted once it is recorded processed
        /// (the output directory is only a work area, as for a transfer to S3).
        /// </summary>
        public bool DeleteFilesWhenProcessed { get; set; }

        public TimeSpan ConnectTimeout { get; set; } = Defaults.ConnectTimeout;

        public TimeSpan StalledFileTimeout { get; set; } = Defaults.StalledFileTimeout;

        internal string ResolveStateDirectory()
        {
            if (StateDirectory != null)
            {
                return Path.GetFullPath(StateDirectory);
            }
            if (OutputDirectory != null && Mode != ProcessingMode.Memory)
            {
                return Path.Combine(Path.GetFullPath(OutputDirectory), SafeRelativePath.StateDirectoryName);
            }
            return Path.Combine(AppData.Root(), "processors", AppData.SafeName(Topic) + "." + AppData.SafeName(GroupId));
        }

        /// <summary>
        /// The group a processor gets when none is given: named after the topic and the code it runs (a
        /// script's text, a command line, a handler's type), so running the same processor again resumes
        /// it, and a different processor on the same topic gets every file too rather than sharing them.
        /// </summary>
        public static string DefaultGroupId(string topic, string code)
        {
            using var sha = System.Security.Cryptography.SHA256.Create();
            string hash = Diagnostics.Hex.Lower(sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(code))).Substring(0, 12);
            return $"openmsistream-process-{topic}-{hash}";
        }
    }
}
