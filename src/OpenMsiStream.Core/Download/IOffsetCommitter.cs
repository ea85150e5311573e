using System.Collections.Generic;
using Confluent.Kafka;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// Commits a receiver's consumer-group offsets some other way than by its consumer: a stream
    /// processor with exactly-once results commits them in its result producer's Kafka transactions, so
    /// that offsets and results are never committed one without the other.
    /// </summary>
    internal interface IOffsetCommitter
    {
        /// <summary>Commits <paramref name="offsets"/> for the group <paramref name="group"/> describes; throws when they were not committed.</summary>
        void Commit(IReadOnlyList<TopicPartitionOffset> offsets, IConsumerGroupMetadata group);
    }

    /// <summary>
    /// Work that must commit together with the offsets a file's acknowledgement lets its receiver commit
    /// (<see cref="FileReceiver.AcknowledgeWithCommit"/>): it gets those offsets (possibly none) and the
    /// consumer's group metadata, and throws when nothing was committed.
    /// </summary>
    internal delegate void CommitWithOffsets(IReadOnlyList<TopicPartitionOffset> offsets, IConsumerGroupMetadata group);
}
