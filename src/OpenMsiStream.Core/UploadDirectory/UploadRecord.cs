using System;

namespace OpenMsiStream.UploadDirectory
{
    public enum UploadStatus
    {
        /// <summary>Being sent; <see cref="UploadRecord.ChunksAcknowledged"/> of <see cref="UploadRecord.ChunkCount"/> chunks are on the broker.</summary>
        InProgress,

        /// <summary>Every chunk of this version was acknowledged by the broker.</summary>
        Sent,

        /// <summary>The last attempt failed (see LastError); it is tried again.</summary>
        Failed,

        /// <summary>Present when the directory was first watched without -UploadExisting; sent only if it changes.</summary>
        Skipped,
    }

    /// <summary>What the upload registry knows about one file of a watched directory.</summary>
    public sealed class UploadRecord
    {

        internal UploadRecord(string topic, string relativePath, UploadStatus status, long length, long lastWriteTicks, byte[]? fileHash,
            int chunkSize, int chunkCount, byte[] acknowledged, int chunksAcknowledged, int? partition, int generation,
            DateTimeOffset? startedAt, DateTimeOffset? completedAt, DateTimeOffset updatedAt, string? lastError, int attempts)
        {
            Topic = topic;
            RelativePath = relativePath;
            Status = status;
            Length = length;
            LastWriteTimeUtc = new DateTime(lastWriteTicks, DateTimeKind.Utc);
            FileHash = fileHash;
            ChunkSize = chunkSize;
            ChunkCount = chunkCount;
            Acknowledged = acknowledged;
            ChunksAcknowledged = chunksAcknowledged;
            Partition = partition;
            Generation = generation;
            StartedAt = startedAt;
            CompletedAt = completedAt;
            UpdatedAt = updatedAt;
            LastError = lastError;
            Attempts = attempts;
        }

        public string Topic { get; }

        /// <summary>Path relative to the watched directory, POSIX separators.</summary>
        public string RelativePath { get; }

        public UploadStatus Status { get; }

        /// <summary>Size of the version recorded here.</summary>
        public long Length { get; }

        public DateTime LastWriteTimeUtc { get; }

        /// <summary>SHA-512 of the version recorded here, lower-case hex (null for skipped files).</summary>
        public string? Sha512 => FileHash == null ? null : Diagnostics.Hex.Lower(FileHash);

        public int ChunkSize { get; }

        public int ChunkCount { get; }

        public int ChunksAcknowledged { get; }

        public int? Partition { get; }

        /// <summary>How many versions of this path were sent (1 for the first).</summary>
        public int Generation { get; }

        public DateTimeOffset? StartedAt { get; }

        public DateTimeOffset? CompletedAt { get; }

        public DateTimeOffset UpdatedAt { get; }

        public string? LastError { get; }

        /// <summary>Failed attempts since the last success.</summary>
        public int Attempts { get; }

        internal byte[]? FileHash { get; }

        internal byte[] Acknowledged { get; }

        internal double EpochSeconds => Wire.UnixTime.ToSeconds(LastWriteTimeUtc);

        internal bool IsAcknowledged(int chunkIndex) => ChunkBitmap.Get(Acknowledged, chunkIndex);

        /// <summary>Whether this record describes the file as it is now (same size and modification time).</summary>
        internal bool Matches(Chunks.FileState state) => state.Length == Length && state.LastWriteTimeUtc.Ticks == LastWriteTimeUtc.Ticks;

        /// <summary>A version about to be sent (or resumed): acknowledgements so far in <paramref name="acknowledged"/>.</summary>
        internal static UploadRecord InProgress(string topic, string relativePath, Upload.FileSendPlan plan, byte[] acknowledged, int chunksAcknowledged, int generation, DateTimeOffset startedAt, UploadRecord? previous) =>
            new UploadRecord(topic, relativePath, UploadStatus.InProgress, plan.State.Length, plan.State.LastWriteTimeUtc.Ticks, plan.FileHash, plan.ChunkSize, plan.ChunkCount,
                acknowledged, chunksAcknowledged, previous?.Partition, generation, startedAt, null, DateTimeOffset.Now, previous?.LastError, previous?.Attempts ?? 0);

        internal UploadRecord WithProgress(byte[] acknowledged, int chunksAcknowledged) =>
            new UploadRecord(Topic, RelativePath, Status, Length, LastWriteTimeUtc.Ticks, FileHash, ChunkSize, ChunkCount, acknowledged, chunksAcknowledged,
                Partition, Generation, StartedAt, CompletedAt, DateTimeOffset.Now, LastError, Attempts);

        internal UploadRecord AsSent(Upload.SentFile sent)
        {
            byte[] all = ChunkBitmap.Create(sent.ChunkCount);
            for (int i = 1; i <= sent.ChunkCount; i++)
            {
                ChunkBitmap.Set(all, i);
            }
            return new UploadRecord(Topic, RelativePath, UploadStatus.Sent, Length, LastWriteTimeUtc.Ticks, FileHash, ChunkSize, ChunkCount, all, sent.ChunkCount,
                sent.Partition, Generation, StartedAt, DateTimeOffset.Now, DateTimeOffset.Now, null, 0);
        }

        internal UploadRecord AsFailed(string error) =>
            new UploadRecord(Topic, RelativePath, UploadStatus.Failed, Length, LastWriteTimeUtc.Ticks, FileHash, ChunkSize, ChunkCount, Acknowledged, ChunksAcknowledged,
                Partition, Generation, StartedAt, CompletedAt, DateTimeOffset.Now, error, Attempts + 1);

        /// <summary>A file nothing was sent of yet that failed (it could not be read, for example).</summary>
        internal static UploadRecord FailedBeforeSending(string topic, string relativePath, Chunks.FileState state, string error, UploadRecord? previous) =>
            previous?.AsFailed(error) ?? new UploadRecord(topic, relativePath, UploadStatus.Failed, state.Length, state.LastWriteTimeUtc.Ticks, null, 0, 0, Array.Empty<byte>(), 0,
                null, 0, null, null, DateTimeOffset.Now, error, 1);

        internal static UploadRecord Skipped(string topic, string relativePath, Chunks.FileState state) =>
            new UploadRecord(topic, relativePath, UploadStatus.Skipped, state.Length, state.LastWriteTimeUtc.Ticks, null, 0, 0, Array.Empty<byte>(), 0,
                null, 0, null, null, DateTimeOffset.Now, null, 0);
    }

    /// <summary>One bit per chunk (1-based), as stored in the registry.</summary>
    internal static class ChunkBitmap
    {
        public static byte[] Create(int chunkCount) => new byte[(chunkCount + 7) / 8];

        public static bool Get(byte[] bitmap, int chunkIndex)
        {
            int bit = chunkIndex - 1;
            return bit >= 0 && bit / 8 < bitmap.Length && (bitmap[bit / 8] & (1 << (bit % 8))) != 0;
        }

        /// <summary>Sets a bit; returns false when it was already set.</summary>
        public static bool Set(byte[] bitmap, int chunkIndex)
        {
            int bit = chunkIndex - 1;
            byte mask = (byte)(1 << (bit % 8));
            if ((bitmap[bit / 8] & mask) != 0)
            {
                return false;
            }
            bitmap[bit / 8] |= mask;
            return true;
        }
    }
}
