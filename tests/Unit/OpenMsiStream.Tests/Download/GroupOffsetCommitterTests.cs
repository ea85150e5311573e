using System;
using System.Collections.Generic;
using System.Linq;
using Confluent.Kafka;
using OpenMsiStream.Download;
using OpenMsiStream.Kafka;
using OpenMsiStream.Tests.Kafka;
using Xunit;

namespace OpenMsiStream.Tests.Download
{
    /// <summary>
    /// When the receiver's commits are tried. librdkafka's synchronous commit waits for the group
    /// coordinator, so with every broker down it would hold the consume thread (and with it the outage's
    /// warning and Ctrl+C) until the broker is back. A real consumer, never connected, gives the group
    /// metadata; the commits themselves are recorded.
    /// </summary>
    public sealed class GroupOffsetCommitterTests : IDisposable
    {
        private const string Topic = "commits";
        private static readonly DateTime Start = new DateTime(2026, 12, 7, 14, 0, 0, DateTimeKind.Utc);
        private readonly IConsumer<byte[], byte[]> _consumer = new ConsumerBuilder<byte[], byte[]>(
            new ConsumerConfig { BootstrapServers = "127.0.0.1:9", GroupId = Topic }).SetLogHandler((_, _) => { }).Build();
        private readonly BrokerReachability _reachability = new BrokerReachability();
        private readonly OffsetTracker _offsets = new OffsetTracker();
        private readonly RecordingCommitter _committed = new RecordingCommitter();
        private readonly GroupOffsetCommitter _commits;

        public GroupOffsetCommitterTests()
        {
            _commits = new GroupOffsetCommitter(Topic, _offsets, _committed, () => _consumer, _reachability);
            _offsets.Begin(new MessagePosition(0, 0));
            _offsets.Resolve(new[] { new MessagePosition(0, 0) });
        }

        public void Dispose() => _consumer.Dispose();

        [Fact]
        public void NothingIsCommittedWhileEveryBrokerIsDownAndThePendingOffsetsGoOutOnceOneIsUp()
        {
            _reachability.ConnectionFailed("Connection refused", Start);
            _reachability.ConnectionFailed("1/1 brokers are down", Start, allBrokersDown: true);

            _commits.Commit(null);
            Assert.Empty(_committed.Offsets);

            _reachability.Statistics(BrokerReachabilityTests.Stats(Start.AddSeconds(5), "UP"), Start.AddSeconds(5));
            _commits.Commit(null);
            Assert.Equal(new[] { "commits [[0]] @1" }, _committed.Offsets);
        }

        [Fact]
        public void AConnectionFailureWhileOtherBrokersMayBeUpDoesNotHoldCommitsBack()
        {
            _reachability.ConnectionFailed("Connection refused", Start);

            _commits.Commit(null);

            Assert.Equal(new[] { "commits [[0]] @1" }, _committed.Offsets);
        }

        private sealed class RecordingCommitter : IOffsetCommitter
        {
            public List<string> Offsets { get; } = new List<string>();

            public void Commit(IReadOnlyList<TopicPartitionOffset> offsets, IConsumerGroupMetadata group) => Offsets.AddRange(offsets.Select(o => o.ToString()));
        }
    }
}
