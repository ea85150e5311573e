using System;
using System.Linq;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Kafka;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Kafka
{
    /// <summary>The lag a receiver reads from its own librdkafka statistics, on statistics a real consumer emitted.</summary>
    public sealed class ConsumerStatisticsTests : IDisposable
    {
        private const string Topic = "lag";
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, Topic);

        public void Dispose() => _broker.Dispose();

        [Fact]
        public void TheLagIsWhatTheConsumerHasNotReadOnItsAssignedPartitions()
        {
            _broker.ProduceRaw(Topic, Enumerable.Range(0, 10).Select(i => (new byte[] { (byte)i }, new byte[] { (byte)i })), partition: 0);
            _broker.ProduceRaw(Topic, Enumerable.Range(0, 3).Select(i => (new byte[] { (byte)i }, new byte[] { (byte)i })), partition: 1);
            string? latest = null;
            var config = new ConsumerConfig
            {
                BootstrapServers = _broker.Broker.BootstrapServers,
                GroupId = "lag-check",
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnableAutoCommit = false,
                StatisticsIntervalMs = 200,
            };
            using IConsumer<byte[], byte[]> consumer = new ConsumerBuilder<byte[], byte[]>(config)
                .SetStatisticsHandler((_, json) => Volatile.Write(ref latest, json)).Build();
            // Partition 0 only: partition 1's three messages are not this consumer's lag.
            consumer.Assign(new TopicPartitionOffset(Topic, 0, Offset.Beginning));
            int read = 0;
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (read < 4 && DateTime.UtcNow < deadline)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: not null })
                {
                    read++;
                }
            }
            Assert.Equal(4, read);
            consumer.Pause(consumer.Assignment); // read no more: 6 messages stay behind

            long? lag = null;
            while (lag != 6 && DateTime.UtcNow < deadline)
            {
                consumer.Consume(TimeSpan.FromMilliseconds(100)); // serves the statistics callback
                lag = Volatile.Read(ref latest) is string json ? ConsumerStatistics.Lag(json, Topic, readCommitted: true) : null;
            }
            Assert.Equal(6, lag);
            Assert.Equal(6, ConsumerStatistics.Lag(latest!, Topic, readCommitted: false)); // no transactions: the same end
            consumer.Commit(new[] { new TopicPartitionOffset(Topic, 0, 7) });
            while (lag != 3 && DateTime.UtcNow < deadline)
            {
                consumer.Consume(TimeSpan.FromMilliseconds(100));
                lag = ConsumerStatistics.Lag(Volatile.Read(ref latest)!, Topic, readCommitted: true);
            }
            Assert.Equal(3, lag); // a committed offset beyond the position counts (another member's work)
            Assert.Null(ConsumerStatistics.Lag(latest!, "other-topic", readCommitted: true));
            Assert.Null(ConsumerStatistics.Lag("{not json", Topic, readCommitted: true));
        }
    }
}
