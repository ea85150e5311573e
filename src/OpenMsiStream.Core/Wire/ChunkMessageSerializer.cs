using System;
using System.Security.Cryptography;
using MessagePack;

namespace OpenMsiStream.Wire
{
    /// <summary>
    /// Writes OpenMSIStream v1.8.7 chunk values: a 10-element msgpack array with the smallest integer
    /// encodings, <c>str</c> for text, <c>bin</c> for bytes and a float64 mtime (0.0 = unknown).
    /// </summary>
    /// <remarks>
    /// The sender reads file data straight into the message buffer (<see cref="Layout"/>), so a chunk
    /// is copied once, from the file into the message, and hashed once.
    /// </remarks>
    public static class ChunkMessageSerializer
    {
        /// <summary>Elements in the current value format.</summary>
        public const int FieldCount = 10;

        /// <summary>Elements in the pre-2026 value format (no mtime), still accepted on read.</summary>
        public const int LegacyFieldCount = 9;

        internal const int HashLength = 64;
        private const int MtimeLength = 9; // 0xcb + 8 bytes
        private static readonly byte[] PlaceholderHash = new byte[HashLength];

        /// <summary>The exact value bytes for <paramref name="chunk"/>, using its chunk hash as given.</summary>
        public static byte[] Serialize(DataFileChunk chunk)
        {
            var layout = Layout(new GrowableBufferWriter(), chunk.Filename, chunk.FileHash, chunk.Offset, chunk.ChunkIndex, chunk.TotalChunks,
                chunk.Subdirectory, chunk.FilenameAppend, chunk.Data.Length, chunk.FileMtime);
            chunk.Data.Span.CopyTo(layout.Data);
            layout.SetChunkHash(chunk.ChunkHash);
            return layout.Buffer;
        }

        /// <summary>
        /// Lays out a complete value for <paramref name="dataLength"/> bytes of data. The caller fills
        /// <see cref="ChunkMessageLayout.Data"/> and then sets or computes the chunk hash.
        /// </summary>
        internal static ChunkMessageLayout Layout(
            GrowableBufferWriter scratch,
            string filename,
            byte[] fileHash,
            long offset,
            int chunkIndex,
            int totalChunks,
            string subdirectory,
            string filenameAppend,
            int dataLength,
            double? fileMtime,
            Func<int, byte[]>? allocate = null)
        {
            if (fileHash.Length != HashLength)
            {
                throw new ArgumentException("A file hash is 64 bytes of SHA-512.", nameof(fileHash));
            }
            scratch.Clear();
            var writer = new MessagePackWriter(scratch);
            writer.WriteArrayHeader(FieldCount);
            writer.Write(filename);
            writer.Flush();
            int fileHashOffset = scratch.WrittenCount + 2; // bin8 header: 0xc4, length
            writer.Write(fileHash);
            writer.Flush();
            int chunkHashOffset = scratch.WrittenCount + 2; // bin8 header: 0xc4, length
            writer.Write(PlaceholderHash);
            writer.Write(offset);
            writer.Write(chunkIndex);
            writer.Write(totalChunks);
            writer.Write(subdirectory);
            writer.Write(filenameAppend);
            writer.WriteBinHeader(dataLength);
            writer.Flush();

            int dataOffset = scratch.WrittenCount;
            int length = dataOffset + dataLength + MtimeLength;
            byte[] buffer = allocate?.Invoke(length) ?? new byte[length];
            scratch.WrittenSpan.CopyTo(buffer);

            var tail = new GrowableBufferWriter(MtimeLength);
            var tailWriter = new MessagePackWriter(tail);
            tailWriter.Write(fileMtime ?? 0.0);
            tailWriter.Flush();
            tail.WrittenSpan.CopyTo(buffer.AsSpan(dataOffset + dataLength));
            return new ChunkMessageLayout(buffer, dataOffset, dataLength, fileHashOffset, chunkHashOffset);
        }
    }

    /// <summary>A value buffer with a hole for the data and one for the chunk hash.</summary>
    internal readonly struct ChunkMessageLayout
    {
        public ChunkMessageLayout(byte[] buffer, int dataOffset, int dataLength, int fileHashOffset, int chunkHashOffset)
        {
            Buffer = buffer;
            DataOffset = dataOffset;
            DataLength = dataLength;
            FileHashOffset = fileHashOffset;
            ChunkHashOffset = chunkHashOffset;
        }

        public byte[] Buffer { get; }

        public int DataOffset { get; }

        public int DataLength { get; }

        public int FileHashOffset { get; }

        public int ChunkHashOffset { get; }

        public Span<byte> Data => Buffer.AsSpan(DataOffset, DataLength);

        public void SetChunkHash(byte[] hash) => SetHash(hash, ChunkHashOffset);

        /// <summary>Fills in the file hash, for a file whose only chunk is read before its hash is known.</summary>
        public void SetFileHash(byte[] hash) => SetHash(hash, FileHashOffset);

        private void SetHash(byte[] hash, int offset)
        {
            if (hash.Length != ChunkMessageSerializer.HashLength)
            {
                throw new ArgumentException("A hash here is 64 bytes of SHA-512.", nameof(hash));
            }
            hash.CopyTo(Buffer, offset);
        }

        /// <summary>Hashes the data in place and stores the digest in the chunk-hash field.</summary>
        public byte[] ComputeChunkHash(HashAlgorithm sha512)
        {
            byte[] hash = sha512.ComputeHash(Buffer, DataOffset, DataLength);
            SetChunkHash(hash);
            return hash;
        }
    }
}
