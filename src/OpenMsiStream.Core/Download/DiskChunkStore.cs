using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// Keeps a file in progress in a staging file inside the output directory (so the final rename is
    /// atomic and never crosses volumes). Chunks that arrive in order are hashed as they are written,
    /// so the usual case never reads the file back; the rest is read back once at completion.
    /// </summary>
    internal sealed class DiskChunkStore : IChunkStore
    {
        private const int ReadBackBlock = 1 << 20;
        private IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        private long _hashedUpTo;

        /// <summary>
        /// The file, still open after the write that completed it, until its fsync (<see cref="FlushToDisk"/>):
        /// opening it again cost a small file as much as writing it. Only complete files keep it, so at most
        /// a group's worth of files (<see cref="GroupCommit.MaxFiles"/>) hold a handle; files waiting for
        /// chunks hold none.
        /// </summary>
        private FileStream? _completed;

        /// <param name="stagingPath">The staging file (it may hold chunks from an earlier run).</param>
        /// <param name="stagingName">Its name relative to the staging root, as the registry knows it.</param>
        public DiskChunkStore(string stagingPath, string stagingName)
        {
            StagingPath = stagingPath;
            StagingName = stagingName;
        }

        public string StagingPath { get; }

        public string StagingName { get; }

        /// <summary>Forces what was written to disk, before the registry records it.</summary>
        public void FlushToDisk()
        {
            if (_completed != null)
            {
                try
                {
                    _completed.Flush(flushToDisk: true);
                }
                finally
                {
                    CloseCompleted(); // closed before the rename: Windows does not rename a file open without FileShare.Delete
                }
                return;
            }
            if (!File.Exists(StagingPath))
            {
                return;
            }
            using var stream = new FileStream(StagingPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 1);
            stream.Flush(flushToDisk: true);
        }

        public void Write(long offset, ReadOnlyMemory<byte> data, bool completesFile)
        {
            ArraySegment<byte> segment = AsSegment(data);
            CloseCompleted(); // a chunk written again after a failed flush
            var stream = new FileStream(StagingPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 1);
            try
            {
                stream.Position = offset;
                stream.Write(segment.Array!, segment.Offset, segment.Count);
                FileSystem.WriteBehind.Start(stream, offset, segment.Count);
            }
            catch
            {
                stream.Dispose();
                throw;
            }
            if (completesFile)
            {
                _completed = stream;
            }
            else
            {
                stream.Dispose();
            }
            if (offset == _hashedUpTo)
            {
                _hash.AppendData(segment.Array!, segment.Offset, segment.Count);
                _hashedUpTo += segment.Count;
            }
        }

        public byte[] ComputeHash(long length)
        {
            if (_hashedUpTo < length)
            {
                // Verified from the page cache; made durable (fsync) with the other files of its group
                // before it is renamed into place and recorded (see GroupCommit).
                using (var stream = new FileStream(StagingPath, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1))
                {
                    var buffer = new byte[(int)Math.Min(ReadBackBlock, length - _hashedUpTo)];
                    stream.Position = _hashedUpTo;
                    while (_hashedUpTo < length)
                    {
                        int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, length - _hashedUpTo));
                        if (read == 0)
                        {
                            break;
                        }
                        _hash.AppendData(buffer, 0, read);
                        _hashedUpTo += read;
                    }
                }
            }
            _hashedUpTo = 0; // the hash starts again: a second call reads everything back
            return _hash.GetHashAndReset();
        }

        public byte[] Read(long offset, int length)
        {
            var data = new byte[length];
            using var stream = new FileStream(StagingPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            stream.Position = offset;
            int done = 0;
            while (done < length)
            {
                int read = stream.Read(data, done, length - done);
                if (read == 0)
                {
                    break; // shorter than it should be: the hash check fails
                }
                done += read;
            }
            return data;
        }

        public void ResetRunningHash()
        {
            _hash.Dispose();
            _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            _hashedUpTo = 0;
        }

        /// <summary>Renames the verified staging file to <paramref name="target"/>, replacing what is there.</summary>
        public void MoveTo(string target)
        {
            CloseCompleted();
            FileSystem.AtomicFile.MoveReplacing(StagingPath, target);
        }

        /// <summary>As <see cref="MoveTo"/>, leaving the directory's fsync to the caller.</summary>
        public void MoveToUnsynced(string target)
        {
            CloseCompleted();
            FileSystem.AtomicFile.Rename(StagingPath, target);
        }

        public void Discard()
        {
            CloseCompleted();
            try
            {
                File.Delete(StagingPath);
            }
            catch (IOException)
            {
                // Best effort: a leftover staging file is removed by the next run's cleanup.
            }
        }

        public void Dispose()
        {
            CloseCompleted();
            _hash.Dispose();
        }

        private void CloseCompleted()
        {
            _completed?.Dispose();
            _completed = null;
        }

        private static ArraySegment<byte> AsSegment(ReadOnlyMemory<byte> data) =>
            MemoryMarshal.TryGetArray(data, out ArraySegment<byte> segment) ? segment : new ArraySegment<byte>(data.ToArray());
    }
}
