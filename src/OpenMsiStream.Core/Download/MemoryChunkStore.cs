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
        private byte[]? _content;

        public MemoryChunkStore(long maxBytes, string relativePath)
        {
            _maxBytes = maxBytes;
            _relativePath = relativePath;
        }

        /// <summary>The assembled bytes, available after <see cref="ComputeHash"/>.</summary>
        public byte[] Content => _content ?? throw new InvalidOperationException("The file is not assembled yet.");

        public void Write(long offset, ReadOnlyMemory<byte> data)
        {
            if (offset + data.Length > _maxBytes)
            {
                throw TooLarge(_relativePath, _maxBytes);
            }
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
            using SHA512 sha512 = SHA512.Create();
            return sha512.ComputeHash(content);
        }

        public void Discard()
        {
            _chunks.Clear();
            _content = null;
        }

        public void Dispose() => Discard();

        public static OpenMsiStreamException TooLarge(string relativePath, long maxBytes) =>
            new OpenMsiStreamException(ErrorIds.FileTooLargeForMemory, ErrorKind.InvalidArgument,
                $"'{relativePath}' is larger than the in-memory limit of {maxBytes} bytes; receive it with -OutputDirectory, or raise -MaxMemoryFileSize.",
                target: relativePath);
    }
}
