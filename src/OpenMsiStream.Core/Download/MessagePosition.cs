namespace OpenMsiStream.Download
{
    /// <summary>Where a consumed message sits: its partition and offset in the topic.</summary>
    public readonly struct MessagePosition
    {
        public MessagePosition(int partition, long offset)
        {
            Partition = partition;
            Offset = offset;
        }

        public int Partition { get; }

        public long Offset { get; }

        public override string ToString() => $"partition {Partition}, offset {Offset}";
    }
}
