using System;
using System.IO;
using System.Text.RegularExpressions;
using OpenMsiStream.Processing;

namespace OpenMsiStream.S3
{
    public sealed class S3TransferOptions
    {
        public S3TransferOptions(string topic, string bucket)
        {
            Topic = topic;
            Bucket = bucket;
        }

        public string Topic { get; }

        public string Bucket { get; }

        /// <summary>Consumer group; default <c>openmsistream-s3-&lt;bucket&gt;</c>, so a restart continues where the last run stopped.</summary>
        public string? GroupId { get; set; }

        /// <summary>
        /// Disk (the default) rebuilds each file in a work folder and streams it to S3 from there, so no
        /// file is ever wholly in memory; Memory is faster for small files.
        /// </summary>
        public ProcessingMode Mode { get; set; } = ProcessingMode.Disk;

        /// <summary>Default <c>&lt;local app data&gt;/OpenMsiStream/s3/&lt;bucket&gt;.&lt;topic&gt;.&lt;group&gt;</c>.</summary>
        public string? StateDirectory { get; set; }

        public Regex? Filter { get; set; }

        public int ThrottleLimit { get; set; } = Defaults.ThrottleLimit;

        public long PartSize { get; set; } = Defaults.S3PartSize;

        public RetrySchedule Retry { get; set; } = RetrySchedule.Default;

        /// <summary>Files whose transfer failed are tried again after this long while the transfer runs (and at every start).</summary>
        public TimeSpan? RetryFailedAfter { get; set; } = Defaults.S3RetryFailedAfter;

        public int? Count { get; set; }

        public TimeSpan? IdleTimeout { get; set; }

        public long MaxMemoryFileSize { get; set; } = Defaults.MaxMemoryFileSize;

        public TimeSpan ConnectTimeout { get; set; } = Defaults.ConnectTimeout;

        /// <summary>Waits for KafkaCrypto keys, and plain messages on encrypted topics (config with [kafkacrypto]).</summary>
        public Crypto.Runtime.DecryptionOptions Decryption { get; set; } = new Crypto.Runtime.DecryptionOptions();

        /// <summary>The program id of a long-running transfer, for Kafka's static membership (see <see cref="Download.ReceiveOptions.ProgramId"/>).</summary>
        public string? ProgramId { get; set; }

        public string ResolveGroupId() => string.IsNullOrWhiteSpace(GroupId) ? "openmsistream-s3-" + Bucket : GroupId!;

        internal StreamProcessingOptions ToProcessingOptions()
        {
            string group = ResolveGroupId();
            var processing = new StreamProcessingOptions(Topic, group);
            processing.StateDirectory = Path.GetFullPath(StateDirectory ?? Path.Combine(State.AppData.Root(), "s3",
                State.AppData.SafeName(Bucket) + "." + State.AppData.SafeName(Topic) + "." + State.AppData.SafeName(group)));
            processing.Mode = Mode;
            processing.OutputDirectory = Mode == ProcessingMode.Memory ? null : Path.Combine(processing.StateDirectory, "work");
            processing.DeleteFilesWhenProcessed = true;
            processing.Filter = Filter;
            processing.ThrottleLimit = ThrottleLimit;
            processing.RetryFailedAfter = RetryFailedAfter;
            processing.Count = Count;
            processing.IdleTimeout = IdleTimeout;
            processing.MaxMemoryFileSize = MaxMemoryFileSize;
            processing.ConnectTimeout = ConnectTimeout;
            processing.Decryption = Decryption;
            processing.ProgramId = ProgramId;
            return processing;
        }
    }
}
