using System;
using System.Collections.Generic;
using System.Linq;
using Confluent.Kafka;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// Commits a receiver's consumer-group offsets, only up to the oldest message not yet handled
    /// (<see cref="OffsetTracker"/>): by its consumer, or by the <see cref="IOffsetCommitter"/> it was
    /// given. Consume thread only (the rebalance callbacks that commit run inside its polls).
    /// </summary>
    /// <param name="consumer">The receiver's consumer now (it is rebuilt once on the embedded broker).</param>
    /// <param name="reachability">Whether every broker is down, when a commit would only wait.</param>
    internal sealed class GroupOffsetCommitter(string topic, OffsetTracker offsets, IOffsetCommitter? committer, Func<IConsumer<byte[], byte[]>> consumer,
        BrokerReachability reachability)
    {
        /// <summary>
        /// Commits what may be committed; a failure is a warning (the messages may be read again). While
        /// every broker is down nothing is tried: librdkafka's synchronous commit would wait for the group
        /// coordinator until the broker is back, and the consume thread, which also says that the broker is
        /// unreachable and stops at Ctrl+C, with it. The offsets stay pending for the first commit after a
        /// broker is UP again.
        /// </summary>
        public void Commit(IRunObserver<ReceivedFile, ReceiveProgress>? observer)
        {
            IReadOnlyList<KeyValuePair<int, long>> committable = offsets.Committable();
            if (committable.Count == 0 || reachability.AllBrokersDown)
            {
                return;
            }
            try
            {
                if (committer != null)
                {
                    committer.Commit(ToTopicPartitionOffsets(committable), consumer().ConsumerGroupMetadata);
                }
                else
                {
                    consumer().Commit(ToTopicPartitionOffsets(committable));
                }
                offsets.MarkCommitted(committable);
            }
            catch (KafkaException ex)
            {
                observer?.Warning($"Could not commit offsets for topic '{topic}' ({ex.Error.Reason}); messages since the last commit may be read again.");
            }
        }

        /// <summary>
        /// Runs <paramref name="commit"/> with the offsets resolving <paramref name="positions"/> lets the
        /// receiver commit; they count as committed only if it returns (it throws when nothing was committed).
        /// </summary>
        public void CommitWith(CommitWithOffsets commit, IReadOnlyList<MessagePosition> positions)
        {
            IReadOnlyList<KeyValuePair<int, long>> committable = offsets.CommittableAfter(positions);
            commit(ToTopicPartitionOffsets(committable), consumer().ConsumerGroupMetadata);
            offsets.MarkCommitted(committable);
        }

        private List<TopicPartitionOffset> ToTopicPartitionOffsets(IEnumerable<KeyValuePair<int, long>> committable) =>
            committable.Select(c => new TopicPartitionOffset(topic, new Partition(c.Key), new Offset(c.Value))).ToList();
    }
}
