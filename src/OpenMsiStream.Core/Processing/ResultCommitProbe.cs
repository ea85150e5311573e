using System;
using System.Diagnostics;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Processing
{
    /// <summary>Whether the transaction that wrote a result message committed.</summary>
    internal interface IResultCommitProbe
    {
        /// <summary>True: committed; false: aborted; null: still open when <paramref name="wait"/> ran out.</summary>
        bool? IsCommitted(int partition, long offset, TimeSpan wait);
    }

    /// <summary>
    /// Asks the broker: a message is visible to a <c>read_committed</c> consumer exactly when its
    /// transaction committed, and such a consumer skips aborted messages. Reading from the message's
    /// offset then gives that message (committed), a later one or the end past it (aborted), or the end
    /// before it (the transaction, or an older one of another producer, is still open: the last stable
    /// offset has not passed it yet).
    /// </summary>
    internal sealed class ResultCommitProbe : IResultCommitProbe, IDisposable
    {
        private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(200);
        private readonly IConsumer<byte[], byte[]> _consumer;
        private readonly string _topic;

        public ResultCommitProbe(KafkaSettings settings, string topic, ClientDiagnostics diagnostics)
        {
            _topic = topic;
            // A group of its own that it never joins (partitions are assigned by hand) nor commits to.
            ClientPropertySet properties = KafkaClientFactory.ConsumerProperties(settings, "openmsistream-probe-" + Guid.NewGuid().ToString("N"));
            properties.Set("isolation.level", "read_committed", "exactly-once results");
            properties.Set("enable.partition.eof", "true", "exactly-once results");
            _consumer = KafkaClientFactory.BuildConsumer(properties, diagnostics, onAssigned: null, onRevoked: null);
        }

        public bool? IsCommitted(int partition, long offset, TimeSpan wait)
        {
            _consumer.Assign(new TopicPartitionOffset(_topic, new Partition(partition), new Offset(offset)));
            try
            {
                Stopwatch clock = Stopwatch.StartNew();
                while (clock.Elapsed < wait)
                {
                    ConsumeResult<byte[], byte[]>? result = _consumer.Consume(PollSlice);
                    if (result == null)
                    {
                        continue;
                    }
                    if (result.IsPartitionEOF)
                    {
                        if (result.Offset.Value > offset)
                        {
                            return false; // the stable end is past it and it was not delivered: skipped as aborted
                        }
                        continue;
                    }
                    return result.Offset.Value == offset;
                }
                return null;
            }
            finally
            {
                _consumer.Unassign();
            }
        }

        public void Dispose()
        {
            _consumer.Close();
            _consumer.Dispose();
        }
    }
}
