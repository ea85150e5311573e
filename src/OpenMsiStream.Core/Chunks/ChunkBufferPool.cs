using System.Collections.Concurrent;

namespace OpenMsiStream.Chunks
{
    /// <summary>
    /// Message buffers of chunks, reused once the producer has copied them. Every chunk of a file but
    /// the last has the same message length, so exact-length buffers are reused almost every time.
    /// Without this, each 512 KiB chunk was a new large-object-heap array that only a full collection
    /// frees: sending a 1 GiB file peaked at 730 MB resident.
    /// </summary>
    internal sealed class ChunkBufferPool
    {
        /// <summary>Buffers kept per length: enough for the files read at the same time.</summary>
        private const int KeptPerLength = 16;

        private readonly ConcurrentDictionary<int, ConcurrentBag<byte[]>> _free = new ConcurrentDictionary<int, ConcurrentBag<byte[]>>();

        public static ChunkBufferPool Shared { get; } = new ChunkBufferPool();

        public byte[] Rent(int length) =>
            _free.TryGetValue(length, out ConcurrentBag<byte[]>? bag) && bag.TryTake(out byte[]? buffer) ? buffer : new byte[length];

        /// <summary>Takes a buffer back; the caller must not touch it afterwards.</summary>
        public void Return(byte[] buffer)
        {
            ConcurrentBag<byte[]> bag = _free.GetOrAdd(buffer.Length, _ => new ConcurrentBag<byte[]>());
            if (bag.Count < KeptPerLength)
            {
                bag.Add(buffer);
            }
        }
    }
}
