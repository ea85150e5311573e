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
    /// given. Consume thread only (the rebalance and commit callbacks run inside its polls).
    /// <para>
    /// By its consumer, the offsets are stored and librdkafka commits them in the background
    /// (<see cref="KafkaClientFactory.CommitStoredOffsetsInBackground"/>). A synchronous commit would hold
    /// the consume thread while the group coordinator cannot be reached: one already sent when every
    /// broker went away was seen waiting for minutes, and with it the outage's warning and Ctrl+C.
    /// Storing never waits for the network; a commit that fails is tried again at the next interval.
    /// </para>
    /// </summary>
    /// <param name="consumer">The receiver's consumer now (it is rebuilt once on the embedded broker).</param>
    /// <param name="reachability">Whether every broker is down, when a commit would only wait.</param>
    internal sealed class GroupOffsetCommitter(string topic, OffsetTracker offsets, IOffsetCommitter? committer, Func<IConsumer<byte[], byte[]>> consumer,
        BrokerReachability reachability)
    {
        /// <summary>Sets up the consumer's properties for the way its offsets are committed (see the class).</summary>
        public static void PrepareConsumer(ClientPropertySet properties, IOffsetCommitter? committer)
        {
            if (committer == null)
            {
                KafkaClientFactory.CommitStoredOffsetsInBackground(properties);
            }
        }

        /// <summary>Failed background commits already reported, by error: each is said once until a commit succeeds.</summary>
        private readonly HashSet<ErrorCode> _reportedFailures = new HashSet<ErrorCode>();

        /// <summary>
        /// Hands over what may be committed; a failure is a warning (the messages may be read again).
        /// An <see cref="IOffsetCommitter"/> commits synchronously, so while every broker is down nothing
        /// is given to it: the offsets stay pending for the first commit after a broker is UP again.
        /// </summary>
        public void Commit(IRunObserver<ReceivedFile, ReceiveProgress>? observer)
        {
            IReadOnlyList<KeyValuePair<int, long>> committable = offsets.Committable();
            if (committable.Count == 0 || (committer != null && reachability.AllBrokersDown))
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
                    foreach (TopicPartitionOffset offset in ToTopicPartitionOffsets(committable))
                    {
                        consumer().StoreOffset(offset);
                    }
                }
                offsets.MarkCommitted(committable);
            }
            catch (KafkaException ex)
            {
                observer?.Warning($"Could not commit offsets for topic '{topic}' ({ex.Error.Reason}); messages since the last commit may be read again.");
            }
        }

        /// <summary>
        /// The outcome of a background commit. A failure is said once per kind until a commit succeeds, and
        /// not at all while every broker is down or the coordinator is still being found: those are retried
        /// at the next interval, and the outage has its own warning.
        /// </summary>
        public void Committed(CommittedOffsets result, IRunObserver<ReceivedFile, ReceiveProgress>? observer)
        {
            Error? failure = result.Error.IsError ? result.Error : result.Offsets.Select(o => o.Error).FirstOrDefault(e => e.IsError);
            if (failure == null)
            {
                _reportedFailures.Clear();
                return;
            }
            if (failure.Code == ErrorCode.Local_NoOffset || failure.Code == ErrorCode.Local_WaitCoord || reachability.AllBrokersDown
                || !_reportedFailures.Add(failure.Code))
            {
                return;
            }
            observer?.Warning($"Could not commit offsets for topic '{topic}' ({failure.Reason}); the commit is tried again every few seconds, and messages since the last commit may be read again.");
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
