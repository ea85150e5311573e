using System;
using System.Collections.Generic;
using Confluent.Kafka;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// A time when the output cannot be written (a full disk, a permission taken away): the receiver
    /// pauses, tries again after a delay that grows from 5 s to a minute, and reports each file once
    /// however often it is tried, until a file is received again. Consume thread only.
    /// </summary>
    /// <param name="consumer">The receiver's consumer now (it is rebuilt once on the embedded broker).</param>
    internal sealed class OutputOutage(Func<IConsumer<byte[], byte[]>> consumer, OffsetTracker offsets)
    {
        private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(5);
        private static readonly TimeSpan LongestDelay = TimeSpan.FromMinutes(1);
        private readonly HashSet<string> _reported = new HashSet<string>(StringComparer.Ordinal);
        private TimeSpan _delay = FirstDelay;
        private DateTime? _since;
        private DateTime _retryAt;

        /// <summary>Paused, waiting for the next try.</summary>
        public bool Waiting { get; private set; }

        /// <summary>Whether a failure about <paramref name="what"/> is new in this outage (and so worth reporting).</summary>
        public bool IsNew(string what) => _reported.Add(what);

        /// <summary>
        /// A write failed: pause until the next try, and go back to the oldest message not yet handled in
        /// every partition, so that nothing is skipped when writing works again.
        /// </summary>
        public void Fail(DateTime now)
        {
            _since ??= now;
            Waiting = true;
            _retryAt = now + _delay;
            _delay = _delay + _delay < LongestDelay ? _delay + _delay : LongestDelay;
            List<TopicPartition> assigned = consumer().Assignment;
            consumer().Pause(assigned);
            foreach (TopicPartition partition in assigned)
            {
                if (offsets.OldestPending(partition.Partition.Value) is long oldest)
                {
                    consumer().Seek(new TopicPartitionOffset(partition, new Offset(oldest)));
                }
            }
        }

        /// <summary>A message that arrived while paused: its partition goes back to it, or to an older message not yet handled.</summary>
        public void PushBack(ConsumeResult<byte[], byte[]> result)
        {
            long oldest = offsets.OldestPending(result.Partition.Value) is long pending && pending < result.Offset.Value ? pending : result.Offset.Value;
            consumer().Seek(new TopicPartitionOffset(result.TopicPartition, new Offset(oldest)));
        }

        /// <summary>True once when it is time to try again: receiving resumes.</summary>
        public bool TryAgain(DateTime now)
        {
            if (!Waiting || now < _retryAt)
            {
                return false;
            }
            Waiting = false;
            consumer().Resume(consumer().Assignment);
            return true;
        }

        /// <summary>A file was received: the outage is over. Returns how long it lasted, or null if there was none.</summary>
        public TimeSpan? End(DateTime now)
        {
            if (!_since.HasValue)
            {
                return null;
            }
            TimeSpan lasted = now - _since.Value;
            _since = null;
            Waiting = false;
            _delay = FirstDelay;
            _reported.Clear();
            return lasted;
        }
    }
}
