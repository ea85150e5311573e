using System;
using System.Collections.Generic;

namespace OpenMsiStream.Download
{
    /// <summary>A file rebuilt from its chunks whose whole-file SHA-512 matched what the producer sent.</summary>
    public sealed class ReceivedFile
    {
        private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

        /// <summary>The user metadata the producer sent with the file (empty when none): sample, instrument, operator…</summary>
        public IReadOnlyDictionary<string, string> Metadata { get; }

        public ReceivedFile(string relativePath, string? fullName, byte[]? bytes, long length, int chunkCount, string sha512, string topic, int partition, double? sourceMtime, string? keyPrefix = null,
            IReadOnlyDictionary<string, string>? metadata = null)
        {
            Metadata = metadata ?? Empty;
            KeyPrefix = keyPrefix ?? Wire.ChunkMessageKey.Prefix(relativePath);
            RelativePath = relativePath;
            FullName = fullName;
            Bytes = bytes;
            Length = length;
            ChunkCount = chunkCount;
            Sha512 = sha512;
            Topic = topic;
            Partition = partition;
            SourceLastWriteTimeUtc = Wire.UnixTime.ToUtc(sourceMtime);
            ReceivedAt = DateTimeOffset.Now;
        }

        private ReceivedFile(ReceivedFile file, string? fullName, byte[]? bytes)
        {
            Metadata = file.Metadata;
            KeyPrefix = file.KeyPrefix;
            RelativePath = file.RelativePath;
            FullName = fullName;
            Bytes = bytes;
            Length = file.Length;
            ChunkCount = file.ChunkCount;
            Sha512 = file.Sha512;
            Topic = file.Topic;
            Partition = file.Partition;
            SourceLastWriteTimeUtc = file.SourceLastWriteTimeUtc;
            ReceivedAt = file.ReceivedAt;
        }

        /// <summary>The same file with its content in memory as well (or instead, with <paramref name="fullName"/> null).</summary>
        public ReceivedFile WithContent(string? fullName, byte[]? bytes) => new ReceivedFile(this, fullName, bytes);

        /// <summary>File name (with any filename_append the producer asked for).</summary>
        public string Name
        {
            get
            {
                int slash = RelativePath.LastIndexOf('/');
                return slash < 0 ? RelativePath : RelativePath.Substring(slash + 1);
            }
        }

        /// <summary>Path relative to the output directory, POSIX separators.</summary>
        public string RelativePath { get; }

        /// <summary>Where the file was written, or null when it was received into memory.</summary>
        public string? FullName { get; }

        /// <summary>The content, when received into memory; null when written to disk.</summary>
        public byte[]? Bytes { get; }

        public long Length { get; }

        public int ChunkCount { get; }

        /// <summary>Verified SHA-512 of the content, lower-case hex.</summary>
        public string Sha512 { get; }

        public string Topic { get; }

        /// <summary>The partition the file's chunks came from (the first one, if a producer spread them).</summary>
        public int Partition { get; }

        /// <summary>The producer's mtime of the file, when the message carried one.</summary>
        public DateTime? SourceLastWriteTimeUtc { get; }

        public DateTimeOffset ReceivedAt { get; }

        /// <summary>The file part of its chunks' keys; a processing result's key is this plus <c>_processing_result</c>.</summary>
        public string KeyPrefix { get; }

        /// <summary>OpenMSIStream's key for a message about this file on a result topic.</summary>
        public string ResultKey => KeyPrefix + "_processing_result";
    }
}
