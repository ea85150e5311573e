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
    /// the file is read twice: once to hash it, once to send it. Memory stays at one chunk whatever
    /// the file size.
    /// </summary>
    /// <remarks>
    /// Change detection, the same for every file: the first pass records a cheap XXH3 fingerprint per
    /// chunk, and the second pass compares each chunk it reads against it; size and mtime are compared
    /// before and after the first pass. A file changed mid-send therefore fails with
    /// <c>FileChangedDuringSend</c> instead of producing chunks that disagree with the file hash, or a
    /// file that never existed. Size and mtime alone cannot show it: the kernel sets the mtime when a
    /// write starts, so a read that overlaps an in-place rewrite sees old and new bytes with both
    /// unchanged. A file of one chunk gets the second read too (it is small and in the page cache).
    /// The second read goes through the file the first one opened (opening a small file cost as much as
    /// reading it): a rewrite in place still shows, and a file replaced by a rename between the two
    /// reads is sent as the version that was hashed, which is complete (the new one has its own mtime).
    /// The chunk hashes are computed in the first read too, on a second thread beside the file hash
    /// (<see cref="ChunkHasher"/>): each byte is hashed twice, as the format needs, but both hashes run
    /// before anything is sent, and the second read only copies bytes into messages.
    /// </remarks>
    internal sealed class FileChunkReader : IDisposable
    {
        /// <summary>
        /// Chunk hashes are computed in the first read (beside the file hash, on a second thread) for files
        /// of up to this many chunks (64 bytes each: 4 MiB for a 32 GiB file in 512 KiB chunks); beyond,
        /// in the second read.
        /// </summary>
        private const int MaxPrecomputedChunkHashes = 65536;

        private readonly ulong[] _fingerprints;
        private readonly byte[][]? _chunkHashes;

        /// <summary>The file as the first read opened it, until the second read takes it.</summary>
        private FileStream? _opened;

        private FileChunkReader(string fullPath, string subdirectory, int chunkSize, FileState state, byte[] fileHash, int chunkCount, ulong[] fingerprints, byte[][]? chunkHashes,
            FileStream opened)
        {
            _opened = opened;
            _chunkHashes = chunkHashes;
            FullPath = fullPath;
            Filename = Path.GetFileName(fullPath);
            Subdirectory = subdirectory;
            ChunkSize = chunkSize;
            State = state;
            FileHash = fileHash;
            ChunkCount = chunkCount;
            _fingerprints = fingerprints;
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
        /// Hashes the file and fingerprints its chunks (the first read; every chunk carries the whole
        /// file's hash, so it comes before the first message). <paramref name="hashed"/> hears the bytes
        /// hashed as it goes, for progress on large files.
        /// </summary>
        /// <param name="settled">The size and mtime the file is expected to have (when it was found settled), if known.</param>
        public static FileChunkReader Open(string fullPath, string subdirectory, int chunkSize, CancellationToken cancellationToken, FileState? settled = null, Action<long>? hashed = null)
        {
            FileState before = StatOrThrow(fullPath);
            if (settled.HasValue && !before.Equals(settled.Value))
            {
                throw Changed(fullPath, "it changed after it had settled");
            }
            FileStream stream = OpenForReading(fullPath);
            try
            {
                return FirstRead(stream, fullPath, subdirectory, chunkSize, before, cancellationToken, hashed);
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }

        private static FileChunkReader FirstRead(FileStream stream, string fullPath, string subdirectory, int chunkSize, FileState before, CancellationToken cancellationToken, Action<long>? hashed)
        {
            int chunkCount = CountChunks(before.Length, chunkSize);
            var fingerprints = new ulong[chunkCount];
            using ChunkHasher? chunkHasher = chunkCount > 1 && chunkCount <= MaxPrecomputedChunkHashes ? new ChunkHasher(chunkSize, chunkCount) : null;
            byte[] single = chunkHasher == null ? ArrayPool<byte>.Shared.Rent(chunkSize) : Array.Empty<byte>();
            try
            {
                using IncrementalHash fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
                for (int i = 0; i < chunkCount; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int length = ChunkLength(before.Length, chunkSize, i);
                    byte[] buffer = chunkHasher?.Rent() ?? single;
                    ReadExactly(stream, buffer, 0, length, fullPath);
                    fileHash.AppendData(buffer, 0, length);
                    fingerprints[i] = XxHash3.HashToUInt64(buffer.AsSpan(0, length));
                    chunkHasher?.Submit(i, buffer, length);
                    hashed?.Invoke(length);
                }
                byte[][]? chunkHashes = chunkHasher?.Complete();
                EnsureUnchanged(fullPath, before);
                return new FileChunkReader(fullPath, subdirectory, chunkSize, before, fileHash.GetHashAndReset(), chunkCount, fingerprints, chunkHashes, stream);
            }
            finally
            {
                if (chunkHasher == null)
                {
                    ArrayPool<byte>.Shared.Return(single);
                }
            }
        }

        /// <summary>Closes the file if the second read did not (it was not read, or not to the end).</summary>
        public void Dispose()
        {
            _opened?.Dispose();
            _opened = null;
        }

        /// <summary>
        /// The chunk messages in order (the second read), leaving out those <paramref name="skip"/> says
        /// were already delivered (1-based chunk numbers).
        /// </summary>
        public IEnumerable<OutgoingChunk> ReadChunks(CancellationToken cancellationToken, Func<int, bool>? skip = null)
        {
            var scratch = new GrowableBufferWriter();
            using SHA512 sha512 = SHA512.Create();
            using FileStream stream = _opened ?? OpenForReading(FullPath); // opened again only for a second pass
            _opened = null;
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
                if (XxHash3.HashToUInt64(layout.Data) != _fingerprints[i])
                {
                    ChunkBufferPool.Shared.Return(layout.Buffer);
                    throw Changed(FullPath, ChunkCount == 1 ? "it differs from the first read" : $"chunk {i + 1} differs from the first read");
                }
                if (ChunkCount == 1)
                {
                    layout.SetChunkHash(FileHash); // the whole file is the chunk: no second SHA-512
                }
                else if (_chunkHashes != null)
                {
                    layout.SetChunkHash(_chunkHashes[i]); // hashed in the first read; the fingerprint shows these are the same bytes
                }
                else
                {
                    layout.ComputeChunkHash(sha512);
                }
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
                throw new OpenMsiStreamException(ErrorIds.FileUnreadable,
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
            new OpenMsiStreamException(ErrorIds.FileNotFound, $"File '{path}' does not exist.", inner, path);

        private static OpenMsiStreamException Changed(string path, string how) =>
            new OpenMsiStreamException(ErrorIds.FileChangedDuringSend,
                $"File '{path}' changed while it was being sent ({how}) and was not sent completely. Send it again once it is complete.", target: path);
    }
}
