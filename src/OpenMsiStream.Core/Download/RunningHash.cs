using System;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// The SHA-512 of a file's bytes in order, fed as its chunks are written. A chunk that more chunks will
    /// follow is hashed on the thread pool, in order, while the receiver's consumer thread goes on to fetch
    /// and write the next one. With both on the consumer thread a large file was rebuilt at the pace of one
    /// core (SHA-512 is most of a receiver's CPU), and a receiver that had fallen behind its sender caught up
    /// with the other core idle. The file hash is needed only once the file is complete, so nothing waits
    /// for it before then.
    /// </summary>
    /// <remarks>
    /// At most <see cref="MaxPending"/> chunks wait to be hashed (4 MiB of 512 KiB chunks); the caller
    /// waits beyond that, so a hash slower than the network holds the consumer back instead of memory
    /// growing. A buffer handed over must not be changed afterwards (received messages' buffers are not
    /// reused). Used by one thread at a time, as a file's chunk store is.
    /// </remarks>
    internal sealed class RunningHash : IDisposable
    {
        private const int MaxPending = 8;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        private Task _pending = Task.CompletedTask;
        private int _handedOverSinceWait;

        /// <summary>How many bytes were handed over since the hash (re)started.</summary>
        public long Length { get; private set; }

        /// <param name="inBackground">
        /// Hash on the thread pool and return at once (the buffer is not reused); otherwise hash now, after
        /// what is pending (a buffer the caller reuses, or a chunk whose file hash is needed next).
        /// </param>
        public void Append(ArraySegment<byte> bytes, bool inBackground)
        {
            Length += bytes.Count;
            if (!inBackground)
            {
                WaitForPending();
                _hash.AppendData(bytes.Array!, bytes.Offset, bytes.Count);
                return;
            }
            if (_handedOverSinceWait >= MaxPending)
            {
                WaitForPending();
            }
            _handedOverSinceWait++;
            _pending = _pending.ContinueWith(previous =>
            {
                previous.GetAwaiter().GetResult(); // a failure goes down the chain to whoever waits
                _hash.AppendData(bytes.Array!, bytes.Offset, bytes.Count);
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }

        /// <summary>The hash of everything handed over, after which it starts again.</summary>
        public byte[] Finish()
        {
            WaitForPending();
            Length = 0;
            return _hash.GetHashAndReset();
        }

        /// <summary>Forgets what was handed over.</summary>
        public void Reset()
        {
            WaitQuietly();
            _hash.GetHashAndReset();
            Length = 0;
        }

        public void Dispose()
        {
            WaitQuietly();
            _hash.Dispose();
        }

        private void WaitForPending()
        {
            Task pending = _pending;
            _pending = Task.CompletedTask;
            _handedOverSinceWait = 0;
            pending.GetAwaiter().GetResult();
        }

        private void WaitQuietly()
        {
            try
            {
                WaitForPending();
            }
            catch (CryptographicException)
            {
                // What was pending is thrown away with the hash.
            }
        }
    }
}
