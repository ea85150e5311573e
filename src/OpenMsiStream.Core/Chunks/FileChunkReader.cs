using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Chunks
{
    /// <summary>
    /// Turns a file into chunk messages. The format puts the whole-file SHA-512 into every chunk, so
    /// a file larger than one chunk must be read twice: once to hash it, once to send it. A file of
    /// one chunk is read once (its chunk hash is its file hash). Memory stays at one chunk whatever
    /// the file size.
    /// </summary>
    /// <remarks>
    /// Change detection: the first pass records a cheap XXH3 fingerprint per chunk, and the second
    /// pass compares each chunk it reads against it; size and mtime are compared before and after the
    /// first pass. A file changed mid-send therefore fails with <c>FileChangedDuringSend</c> instead of
    /// producing chunks that disagree with the file hash.
    /// </remarks>
    internal sealed class FileChunkReader
    {
        private readonly ulong[]? _fingerprints;
        private readonly OutgoingChunk? _onlyChunk;

        private FileChunkReader(string fullPath, string subdirectory, int chunkSize, FileState state, byte[] fileHash, int chunkCount, ulong[]? fingerprints, OutgoingChunk? onlyChunk)
        {
            FullPath = fullPath;
            Filename = Path.GetFileName(fullPath);
            Subdirectory = subdirectory;
            ChunkSize = chunkSize;
            State = state;
            FileHash = fileHash;
            ChunkCount = chunkCount;
            _fingerprints = fingerprints;
            _onlyChunk = onlyChunk;
        }

        public string FullPath { get; }

        public string Filename { get; }

        public string Subdirectory { get; }

        public int ChunkSize { get; }

        /// <summary>Size and mtime of the content the chunks carry.</summary>
        public FileState State { get; }

        public byte[] FileHash { get; }

        public int ChunkCount { get; }

        public static int CountChunks(long length, int chunkSize) => length == 0 ? 1 : checked((int)((length + chunkSize - 1) / chunkSize));

        /// <summary>
        /// Hashes the file (the first read; every chunk carries the whole file's hash, so it comes before
        /// the first message); for a one-chunk file also builds its message. <paramref name="hashed"/>
        /// hears the bytes hashed as it goes, for progress on large files.
        /// </summary>
        public static FileChunkReader Open(string fullPath, string subdirectory, int chunkSize, CancellationToken cancellationToken, Action<long>? hashed = null)
        {
            FileState before = StatOrThrow(fullPath);
            int chunkCount = CountChunks(before.Length, chunkSize);
            string filename = Path.GetFileName(fullPath);
            using FileStream stream = OpenForReading(fullPath);
            if (chunkCount == 1)
            {
                var layout = ChunkMessageSerializer.Layout(new GrowableBufferWriter(), filename, new byte[ChunkMessageSerializer.HashLength],
                    0, 1, 1, subdirectory, string.Empty, (int)before.Length, before.EpochSeconds);
                ReadExactly(stream, layout.Buffer, layout.DataOffset, layout.DataLength, fullPath);
                EnsureUnchanged(fullPath, before);
                byte[] hash;
                using (SHA512 sha512 = SHA512.Create())
                {
                    hash = layout.ComputeChunkHash(sha512);
                }
                layout.SetFileHash(hash);
                hashed?.Invoke(before.Length);
                var only = new OutgoingChunk(1, KeyBytes(subdirectory, filename, 1, 1), layout.Buffer, layout.DataLength);
                return new FileChunkReader(fullPath, subdirectory, chunkSize, before, hash, 1, null, only);
            }

            var fingerprints = new ulong[chunkCount];
            byte[] buffer = ArrayPool<byte>.Shared.Rent(chunkSize);
            try
            {
                using IncrementalHash fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
                for (int i = 0; i < chunkCount; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int length = ChunkLength(before.Length, chunkSize, i);
                    ReadExactly(stream, buffer, 0, length, fullPath);
                    fileHash.AppendData(buffer, 0, length);
                    fingerprints[i] = XxHash3.HashToUInt64(buffer.AsSpan(0, length));
                    hashed?.Invoke(length);
                }
                EnsureUnchanged(fullPath, before);
                return new FileChunkReader(fullPath, subdirectory, chunkSize, before, fileHash.GetHashAndReset(), chunkCount, fingerprints, null);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>
        /// The chunk messages in order (the second read, for files of more than one chunk), leaving out
        /// those <paramref name="skip"/> says were already delivered (1-based chunk numbers).
        /// </summary>
        public IEnumerable<OutgoingChunk> ReadChunks(CancellationToken cancellationToken, Func<int, bool>? skip = null)
        {
            if (_onlyChunk != null)
            {
                if (skip == null || !skip(1))
                {
                    yield return _onlyChunk;
                }
                yield break;
            }
            var scratch = new GrowableBufferWriter();
            using SHA512 sha512 = SHA512.Create();
            using FileStream stream = OpenForReading(FullPath);
            for (int i = 0; i < ChunkCount; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (skip != null && skip(i + 1))
                {
                    continue;
                }
                int length = ChunkLength(State.Length, ChunkSize, i);
                long offset = (long)i * ChunkSize;
                stream.Position = offset;
                var layout = ChunkMessageSerializer.Layout(scratch, Filename, FileHash, offset, i + 1, ChunkCount, Subdirectory, string.Empty, length, State.EpochSeconds,
                    ChunkBufferPool.Shared.Rent);
                ReadExactly(stream, layout.Buffer, layout.DataOffset, length, FullPath);
                if (XxHash3.HashToUInt64(layout.Data) != _fingerprints![i])
                {
                    throw Changed(FullPath, $"chunk {i + 1} differs from the first read");
                }
                layout.ComputeChunkHash(sha512);
                yield return new OutgoingChunk(i + 1, KeyBytes(Subdirectory, Filename, i + 1, ChunkCount), layout.Buffer, length, pooled: true);
            }
        }

        private static byte[] KeyBytes(string subdirectory, string filename, int index, int count) =>
            Encoding.UTF8.GetBytes(ChunkMessageKey.For(subdirectory, filename, index, count));

        private static int ChunkLength(long fileLength, int chunkSize, int index) =>
            (int)Math.Min(chunkSize, fileLength - (long)index * chunkSize);

        private static FileState StatOrThrow(string path)
        {
            try
            {
                return FileState.Of(path);
            }
            catch (FileNotFoundException ex)
            {
                throw NotFound(path, ex);
            }
        }

        private static void EnsureUnchanged(string path, FileState before)
        {
            FileState after;
            try
            {
                after = FileState.Of(path);
            }
            catch (FileNotFoundException)
            {
                throw Changed(path, "it was deleted while it was being read");
            }
            if (!after.Equals(before))
            {
                throw Changed(path, $"its size or modification time changed while it was being read ({before.Length} -> {after.Length} bytes)");
            }
        }

        private static FileStream OpenForReading(string path)
        {
            try
            {
                // Share everything: the instrument may still hold the file open or delete it later.
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.SequentialScan);
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException)
            {
                throw NotFound(path, ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new OpenMsiStreamException(ErrorIds.FileUnreadable, ErrorKind.ReadError,
                    $"File '{path}' cannot be opened for reading: {ex.Message}", ex, path);
            }
        }

        private static void ReadExactly(Stream stream, byte[] buffer, int offset, int count, string path)
        {
            int done = 0;
            while (done < count)
            {
                int read = stream.Read(buffer, offset + done, count - done);
                if (read == 0)
                {
                    throw Changed(path, "it became shorter while it was being read");
                }
                done += read;
            }
        }

        private static OpenMsiStreamException NotFound(string path, Exception inner) =>
            new OpenMsiStreamException(ErrorIds.FileNotFound, ErrorKind.ObjectNotFound, $"File '{path}' does not exist.", inner, path);

        private static OpenMsiStreamException Changed(string path, string how) =>
            new OpenMsiStreamException(ErrorIds.FileChangedDuringSend, ErrorKind.ReadError,
                $"File '{path}' changed while it was being sent ({how}) and was not sent completely. Send it again once it is complete.", target: path);
    }
}
