using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Tasks;

namespace OpenMsiStream.Chunks
{
    /// <summary>
    /// Computes the SHA-512 of each chunk on a second thread while the first read hashes the whole file,
    /// so the two hashes the format needs run side by side before anything is sent (both cores are
    /// free then: nothing is on the wire yet), and the second read only copies and checks fingerprints.
    /// A few chunk buffers circulate between the reader and this thread.
    /// </summary>
    internal sealed class ChunkHasher : IDisposable
    {
        private const int Buffers = 4;
        private readonly BlockingCollection<byte[]> _free = new BlockingCollection<byte[]>();
        private readonly BlockingCollection<(int Index, byte[] Buffer, int Length)> _work = new BlockingCollection<(int, byte[], int)>();
        private readonly byte[][] _hashes;
        private readonly Task _worker;
        private bool _completed;

        public ChunkHasher(int chunkSize, int chunkCount)
        {
            _hashes = new byte[chunkCount][];
            for (int i = 0; i < Buffers; i++)
            {
                _free.Add(ArrayPool<byte>.Shared.Rent(chunkSize));
            }
            _worker = Task.Factory.StartNew(Run, TaskCreationOptions.LongRunning);
        }

        /// <summary>A buffer to read the next chunk into (waits while all are being hashed).</summary>
        public byte[] Rent() => _free.Take();

        /// <summary>Hands a chunk read into a buffer from <see cref="Rent"/> over to be hashed; the buffer comes back by itself.</summary>
        public void Submit(int index, byte[] buffer, int length) => _work.Add((index, buffer, length));

        /// <summary>Waits for the last chunk and returns every chunk's SHA-512, in order.</summary>
        public byte[][] Complete()
        {
            _completed = true;
            _work.CompleteAdding();
            _worker.GetAwaiter().GetResult();
            return _hashes;
        }

        public void Dispose()
        {
            if (!_completed)
            {
                _work.CompleteAdding();
                try
                {
                    _worker.Wait();
                }
                catch (AggregateException)
                {
                    // the read failed or was cancelled first; that is what the caller reports
                }
            }
            while (_free.TryTake(out byte[]? buffer))
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            _free.Dispose();
            _work.Dispose();
        }

        private void Run()
        {
            using SHA512 sha512 = SHA512.Create();
            foreach ((int index, byte[] buffer, int length) in _work.GetConsumingEnumerable())
            {
                try
                {
                    _hashes[index] = sha512.ComputeHash(buffer, 0, length);
                }
                finally
                {
                    _free.Add(buffer);
                }
            }
        }
    }
}
