using System;

namespace OpenMsiStream.Upload
{
    /// <summary>A file the broker acknowledged completely: every chunk is stored on the broker.</summary>
    public sealed class SentFile
    {
        public SentFile(string fullName, string relativePath, string topic, int partition, long length, int chunkCount, int chunkSize, string sha512, DateTime lastWriteTimeUtc, TimeSpan duration, int chunksSent, int chunksSentBefore)
        {
            ChunksSent = chunksSent;
            ChunksSentBefore = chunksSentBefore;
            FullName = fullName;
            RelativePath = relativePath;
            Topic = topic;
            Partition = partition;
            Length = length;
            ChunkCount = chunkCount;
            ChunkSize = chunkSize;
            Sha512 = sha512;
            LastWriteTimeUtc = lastWriteTimeUtc;
            Duration = duration;
        }

        public string Name => System.IO.Path.GetFileName(FullName);

        public string FullName { get; }

        /// <summary>The path consumers rebuild the file at, POSIX separators.</summary>
        public string RelativePath { get; }

        public string Topic { get; }

        public int Partition { get; }

        public long Length { get; }

        public int ChunkCount { get; }

        public int ChunkSize { get; }

        /// <summary>SHA-512 of the content sent, lower-case hex.</summary>
        public string Sha512 { get; }

        /// <summary>The mtime of the content sent (it travels in every chunk).</summary>
        public DateTime LastWriteTimeUtc { get; }

        public TimeSpan Duration { get; }

        /// <summary>Chunks produced by this send.</summary>
        public int ChunksSent { get; }

        /// <summary>Chunks an earlier, interrupted send had already delivered (not sent again).</summary>
        public int ChunksSentBefore { get; }
    }
}
