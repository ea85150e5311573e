namespace OpenMsiStream.Chunks
{
    /// <summary>A chunk message ready to produce: UTF-8 key and complete msgpack value.</summary>
    internal sealed class OutgoingChunk
    {
        public OutgoingChunk(int chunkIndex, byte[] key, byte[] value, int dataLength, bool pooled = false)
        {
            Pooled = pooled;
            ChunkIndex = chunkIndex;
            Key = key;
            Value = value;
            DataLength = dataLength;
        }

        public int ChunkIndex { get; }

        public byte[] Key { get; }

        public byte[] Value { get; }

        public int DataLength { get; }

        /// <summary>Whether <see cref="Value"/> goes back to <see cref="ChunkBufferPool.Shared"/> once produced.</summary>
        public bool Pooled { get; }
    }
}
