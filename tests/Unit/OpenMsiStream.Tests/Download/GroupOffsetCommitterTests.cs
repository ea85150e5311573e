using System;
using System.Collections.Generic;
using System.Linq;
using Confluent.Kafka;
using OpenMsiStream.Download;
using OpenMsiStream.Kafka;
using OpenMsiStream.Tests.Kafka;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Download
{
    /// <summary>
    /// When the receiver's commits are tried, and what it says of those that fail. A synchronous commit
    /// (an <see cref="IOffsetCommitter"/>'s, a transaction's) waits for the group coordinator, so with
    /// every broker down it would hold the consume thread (and with it the outage's warning and Ctrl+C)
    /// until the broker is back. A real consumer, never connected, gives the group metadata; the commits
    /// themselves are recorded.
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

        [Fact]
        public void AFailedBackgroundCommitIsSaidOncePerKindUntilOneSucceedsAndNotWhileEveryBrokerIsDown()
        {
            var observer = new RecordingObserver();
            var background = new GroupOffsetCommitter(Topic, _offsets, null, () => _consumer, _reachability);

            background.Committed(Result(ErrorCode.Local_WaitCoord), observer); // the coordinator is still being found: tried again
            background.Committed(Result(ErrorCode.GroupAuthorizationFailed), observer);
            background.Committed(Result(ErrorCode.GroupAuthorizationFailed), observer);
            Assert.Single(observer.Warnings);
            Assert.StartsWith("Could not commit offsets for topic 'commits' (", observer.Warnings[0]);
            Assert.EndsWith("the commit is tried again every few seconds, and messages since the last commit may be read again.", observer.Warnings[0]);

            background.Committed(Result(ErrorCode.NoError), observer);
            background.Committed(Result(ErrorCode.GroupAuthorizationFailed), observer);
            Assert.Equal(2, observer.Warnings.Count);

            _reachability.ConnectionFailed("1/1 brokers are down", Start, allBrokersDown: true);
            background.Committed(Result(ErrorCode.Local_Transport), observer); // the outage has its own warning
            Assert.Equal(2, observer.Warnings.Count);
        }

        /// <summary>A background commit's outcome as librdkafka reports it: the error on the partition.</summary>
        private static CommittedOffsets Result(ErrorCode code) =>
            new CommittedOffsets(new List<TopicPartitionOffsetError> { new TopicPartitionOffsetError(Topic, new Partition(0), new Offset(1), new Error(code)) }, new Error(ErrorCode.NoError));

        private sealed class RecordingCommitter : IOffsetCommitter
        {
            public List<string> Offsets { get; } = new List<string>();

            public void Commit(IReadOnlyList<TopicPartitionOffset> offsets, IConsumerGroupMetadata group) => Offsets.AddRange(offsets.Select(o => o.ToString()));
        }
    }
}
