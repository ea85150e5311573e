using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// Keeps a file in progress in memory, up to a size limit, and assembles it once at the end
    /// (OpenMSIStream concatenates chunk by chunk, which is quadratic).
    /// </summary>
    internal sealed class MemoryChunkStore : IChunkStore
    {
        private readonly SortedDictionary<long, ReadOnlyMemory<byte>> _chunks = new SortedDictionary<long, ReadOnlyMemory<byte>>();
        private readonly long _maxBytes;
        private readonly string _relativePath;
        private readonly MemoryBudget _budget;
        private long _bytesHeld;
        private byte[]? _content;

        public MemoryChunkStore(long maxBytes, string relativePath, MemoryBudget budget)
        {
            _maxBytes = maxBytes;
            _relativePath = relativePath;
            _budget = budget;
        }

        /// <summary>The assembled bytes, available after <see cref="ComputeHash"/>.</summary>
        public byte[] Content => _content ?? throw new InvalidOperationException("The file is not assembled yet.");

        public void Write(long offset, ReadOnlyMemory<byte> data, bool completesFile)
        {
            // Both the end position and the bytes actually held count: overlapping chunks from a
            // hostile producer must not get around the limit.
            if (offset + data.Length > _maxBytes || _bytesHeld + data.Length > _maxBytes)
            {
                throw TooLarge(_relativePath, _maxBytes);
            }
            _budget.Take(data.Length, _relativePath);
            _bytesHeld += data.Length;
            _chunks[offset] = data; // a slice of the consumed message: no copy
        }

        public byte[] ComputeHash(long length)
        {
            var content = new byte[length];
            foreach (KeyValuePair<long, ReadOnlyMemory<byte>> chunk in _chunks)
            {
                chunk.Value.Span.CopyTo(content.AsSpan((int)chunk.Key));
            }
            _chunks.Clear();
            _content = content;
            Release();
            using SHA512 sha512 = SHA512.Create();
            return sha512.ComputeHash(content);
        }

        public byte[] Read(long offset, int length) =>
            _content != null ? _content.AsSpan((int)offset, length).ToArray()
            : _chunks.TryGetValue(offset, out ReadOnlyMemory<byte> chunk) ? chunk.ToArray() : Array.Empty<byte>();

        public void ResetRunningHash()
        {
            // Hashed once, at the end, from the chunks held.
        }

        public void Discard()
        {
            _chunks.Clear();
            _content = null;
            Release();
        }

        private void Release()
        {
            _budget.Give(_bytesHeld);
            _bytesHeld = 0;
        }

        public void Dispose() => Discard();

        public static OpenMsiStreamException TooLarge(string relativePath, long maxBytes) =>
            new OpenMsiStreamException(ErrorIds.FileTooLargeForMemory,
                $"'{relativePath}' is larger than the in-memory limit of {maxBytes} bytes; receive it with -OutputDirectory, or raise -MaxMemoryFileSize.",
                target: relativePath);
    
    }

    /// <summary>
    /// The bytes all files in progress may hold in memory together, so many large files arriving at
    /// once cannot exhaust the process.
    /// </summary>
    internal sealed class MemoryBudget
    {
        private readonly long _limit;
        private long _used;

        public MemoryBudget(long limit) => _limit = limit;

        public void Take(long bytes, string relativePath)
        {
            if (_used + bytes > _limit)
            {
                throw new OpenMsiStreamException(ErrorIds.FileTooLargeForMemory,
                    $"'{relativePath}' cannot be received into memory: files in progress already hold {_used} bytes, and together they may hold at most {_limit}. Receive with -OutputDirectory.",
                    target: relativePath);
            }
            _used += bytes;
        }

        public void Give(long bytes) => _used -= bytes;
    }
}
