using System;

namespace OpenMsiStream.Download
{
    /// <summary>Where a consumed message sits (partition and offset), and when its producer sent it.</summary>
    public readonly struct MessagePosition
    {
        public MessagePosition(int partition, long offset, DateTime? sentAtUtc = null)
        {
            Partition = partition;
            Offset = offset;
            SentAtUtc = sentAtUtc;
        }

        public int Partition { get; }

        public long Offset { get; }

        /// <summary>The producer's timestamp of the message, when the broker keeps one (Kafka 0.10 and later).</summary>
        public DateTime? SentAtUtc { get; }

        public override string ToString() => $"partition {Partition}, offset {Offset}";
    }
}
