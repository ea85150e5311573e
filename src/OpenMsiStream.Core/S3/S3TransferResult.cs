using System;
using System.Linq;
using OpenMsiStream.Processing;

namespace OpenMsiStream.S3
{
    public enum S3TransferStatus
    {
        /// <summary>Sent and verified.</summary>
        Uploaded,

        /// <summary>An object with the same SHA-512 was there already; nothing was sent.</summary>
        AlreadyPresent,

        /// <summary>Not stored (after retries); tried again later and recorded as failed until then.</summary>
        Failed,
    }

    /// <summary>One file's transfer to S3.</summary>
    public sealed class S3TransferResult
    {
        private S3TransferResult(ProcessedFile processed, S3ObjectInfo? stored, string bucket)
        {
            RelativePath = processed.RelativePath;
            Topic = processed.Topic;
            Length = processed.Length;
            Sha512 = processed.Sha512;
            Attempt = processed.Attempt;
            Duration = processed.Duration;
            Error = processed.Error;
            Bucket = bucket;
            Key = stored?.Key ?? processed.Topic + "/" + processed.RelativePath;
            ETag = stored?.ETag;
            Parts = stored?.Parts ?? 0;
            Status = processed.Status == ProcessedStatus.Failed ? S3TransferStatus.Failed
                : stored?.AlreadyPresent == true ? S3TransferStatus.AlreadyPresent : S3TransferStatus.Uploaded;
        }

        public static S3TransferResult From(ProcessedFile processed, string bucket) =>
            new S3TransferResult(processed, processed.Output.OfType<S3ObjectInfo>().FirstOrDefault(), bucket);

        public string RelativePath { get; }

        public S3TransferStatus Status { get; }

        public string Bucket { get; }

        public string Key { get; }

        public string Uri => $"s3://{Bucket}/{Key}";

        public long Length { get; }

        public string Sha512 { get; }

        public string? ETag { get; }

        public int Parts { get; }

        public string Topic { get; }

        public int Attempt { get; }

        public TimeSpan Duration { get; }

        public Exception? Error { get; }

        public string? ErrorMessage => Error?.Message;
    }
}
