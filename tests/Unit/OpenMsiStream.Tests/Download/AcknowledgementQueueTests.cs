using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Download;
using Xunit;

namespace OpenMsiStream.Tests.Download
{
    /// <summary>
    /// The acknowledgement queue on its own: which messages count as handled after which acknowledgement.
    /// A real consumer (never connected: only its group metadata is asked for) stands behind the commits.
    /// </summary>
    public sealed class AcknowledgementQueueTests : IDisposable
    {
        private const string Topic = "ack";
        private readonly IConsumer<byte[], byte[]> _consumer = new ConsumerBuilder<byte[], byte[]>(
            new ConsumerConfig { BootstrapServers = "127.0.0.1:9", GroupId = "ack" }).SetLogHandler((_, _) => { }).Build();
        private readonly OffsetTracker _offsets = new OffsetTracker();
        private readonly AcknowledgementQueue _queue;
        private readonly ReceivedFile _a = NewFile("a"), _b = NewFile("b");

        public AcknowledgementQueueTests()
        {
            _queue = new AcknowledgementQueue(_offsets, new GroupOffsetCommitter(Topic, _offsets, null, () => _consumer, new OpenMsiStream.Kafka.BrokerReachability()));
            for (long offset = 0; offset < 4; offset++)
            {
                _offsets.Begin(new MessagePosition(0, offset)); // file a: 0, 2; file b: 1, 3
            }
            _queue.Await(_a, new[] { new MessagePosition(0, 0), new MessagePosition(0, 2) });
            _queue.Await(_b, new[] { new MessagePosition(0, 1), new MessagePosition(0, 3) });
        }

        public void Dispose() => _consumer.Dispose();

        [Fact]
        public void AFilesMessagesAreHandledOnlyOnceItsAcknowledgementIsResolved()
        {
            _queue.Acknowledge(_a);
            Assert.Equal(new[] { "0:0" }, Committable()); // acknowledged, not yet resolved on the consume thread

            _queue.Resolve();
            Assert.Equal(new[] { "0:1" }, Committable()); // b still holds offset 1

            _queue.Acknowledge(_b);
            _queue.Resolve();
            Assert.Equal(new[] { "0:4" }, Committable());
        }

        [Fact]
        public void WorkThatFailsLeavesTheFilesMessagesUnhandledUntilItIsAcknowledgedAgain()
        {
            Task failed = _queue.AcknowledgeWithCommit(_a, (_, _) => throw new KafkaException(ErrorCode.Local_Transport));
            _queue.Resolve();
            Assert.IsType<KafkaException>(failed.Exception!.InnerException);
            Assert.Equal(new[] { "0:0" }, Committable());

            IReadOnlyList<TopicPartitionOffset>? offered = null;
            Task committed = _queue.AcknowledgeWithCommit(_a, (offsets, group) => offered = offsets);
            _queue.Resolve();
            Assert.True(committed.IsCompletedSuccessfully);
            Assert.Equal(new[] { "ack:0:1" }, offered!.Select(o => $"{o.Topic}:{o.Partition.Value}:{o.Offset.Value}")); // b still holds offset 1
            Assert.Empty(_offsets.Committable()); // what the work committed counts as committed
        }

        [Fact]
        public void ClosingCancelsWorkNotYetRunAndAllThatComesLater()
        {
            bool ran = false;
            Task queued = _queue.AcknowledgeWithCommit(_a, (_, _) => ran = true);
            _queue.Close();
            Task late = _queue.AcknowledgeWithCommit(_b, (_, _) => ran = true);
            _queue.Resolve();

            Assert.True(queued.IsCanceled);
            Assert.True(late.IsCanceled);
            Assert.False(ran);
            Assert.Equal(new[] { "0:0" }, Committable());
        }

        private IEnumerable<string> Committable() => _offsets.Committable().Select(c => $"{c.Key}:{c.Value}");

        private static ReceivedFile NewFile(string name) => new ReceivedFile(name, null, null, 2, 0, new string('0', 128), Topic, 0, null, name);
    }
}
