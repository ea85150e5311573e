namespace OpenMsiStream.Chunks
{
    /// <summary>A chunk message ready to produce: UTF-8 key and complete msgpack value.</summary>
    internal sealed class OutgoingChunk
    {
        public OutgoingChunk(int chunkIndex, byte[] key, byte[] value, int dataLength)
        {
            ChunkIndex = chunkIndex;
            Key = key;
            Value = value;
            DataLength = dataLength;
        }

        public int ChunkIndex { get; }

        public byte[] Key { get; }

        public byte[] Value { get; }

        public int DataLength { get; }
    }
}
