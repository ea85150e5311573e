using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Kafka;
using OpenMsiStream.Processing;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Download;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using OpenMsiStream.Wire;
using Xunit;

namespace OpenMsiStream.Tests.Processing
{
    /// <summary>
    /// Exactly-once results: which delivery is in force and why, the transactional path against the
    /// embedded broker (which speaks the transaction protocol without implementing its guarantees), the
    /// journal that lets a restart settle a commit that was under way, and the offsets a transaction
    /// carries.
    /// </summary>
    public class ExactlyOnceTests : IDisposable
    {
        private const string Topic = "eos-data";
        private const string ResultTopic = "eos-results";
        private readonly TempDirectory _temp = new TempDirectory("exactly-once");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, Topic, ResultTopic);

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        /// <summary>
        /// Why auto mode does not use transactions on the embedded broker, checked so that a librdkafka that
        /// implements them makes this test fail and the decision be revisited. The kill test's reading of the
        /// result topic also relies on the last two facts.
        /// </summary>
        [Fact]
        public void TheEmbeddedBrokerAcceptsTransactionsButNeitherHidesAbortedOnesNorKeepsTheirOffsets()
        {
            string bootstrap = _broker.Broker.BootstrapServers;
            _broker.ProduceRaw(Topic, new[] { (new byte[] { 1 }, new byte[] { 1 }) }, partition: 0);
            using IConsumer<byte[], byte[]> member = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "canary", EnableAutoCommit = false }).Build();
            member.Assign(new TopicPartitionOffset(Topic, 0, 0));
            Assert.NotNull(member.Consume(TimeSpan.FromSeconds(10)));
            using IProducer<byte[], byte[]> producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = bootstrap, TransactionalId = "canary" }).Build();
            producer.InitTransactions(TimeSpan.FromSeconds(10));

            long committed = Transaction(producer, "committed", commit: true, offsets: new[] { new TopicPartitionOffset(Topic, 0, 1) }, member.ConsumerGroupMetadata);
            long aborted = Transaction(producer, "aborted", commit: false, offsets: null, null);
            producer.BeginTransaction();
            long open = Produce(producer, "open");
            using IProducer<byte[], byte[]> successor = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = bootstrap, TransactionalId = "canary" }).Build();
            successor.InitTransactions(TimeSpan.FromSeconds(10)); // on a real broker: fences the first producer and aborts "open"
            long next = Transaction(successor, "after", commit: true, offsets: null, null);

            Assert.Equal((0L, 2L, 4L, 5L), (committed, aborted, open, next)); // a marker after each ended transaction, none for the one left open
            List<ConsumeResult<byte[], byte[]>> readCommitted = ReadPartition(bootstrap, IsolationLevel.ReadCommitted);
            Assert.Equal(new[] { "committed", "aborted", "open", "after" }, readCommitted.Select(r => Encoding.UTF8.GetString(r.Message.Value)));
            Assert.Equal(Offset.Unset, member.Committed(new[] { new TopicPartition(Topic, 0) }, TimeSpan.FromSeconds(10)).Single().Offset);
        }

        [Fact]
        public async Task AutoKeepsAtLeastOnceOnTheEmbeddedBrokerAndSaysWhy()
        {
            await Send(("a.csv", TestData.Bytes(3000, 1)));
            var recorder = new ProcessingRecorder();
            using var processor = new StreamProcessor(Settings(), Options(ExactlyOnceMode.Auto, count: 1), new Measure());

            ResultDeliveryDecision decision = processor.Connect(recorder, default);
            ProcessingSummary summary = processor.Run(recorder, Timeout());

            Assert.Equal(ResultDelivery.AtLeastOnce, decision.Delivery);
            Assert.Null(decision.TransactionalId);
            Assert.StartsWith("results: at-least-once (the embedded broker accepts Kafka transactions but does not implement them", decision.Describe());
            Assert.Equal(ResultDelivery.AtLeastOnce, summary.ResultDelivery);
            Assert.Equal(ResultDelivery.AtLeastOnce, recorder.Single("a.csv").ResultDelivery);
            Assert.Equal(2, _broker.ReadAllRaw(ResultTopic, expected: 2).Count);
        }

        [Fact]
        public async Task OnTheEmbeddedBrokerExactlyOnceOnRunsEachFilesResultsInATransactionAndSaysItIsNoGuaranteeThere()
        {
            await Send(("a.csv", TestData.Bytes(3000, 1)), ("b.csv", TestData.Bytes(5000, 2)), ("c.csv", TestData.Bytes(7000, 3)));
            var recorder = new ProcessingRecorder();
            using var processor = new StreamProcessor(Settings(), Options(ExactlyOnceMode.On, count: 3), new Measure());

            ResultDeliveryDecision decision = processor.Connect(recorder, default);
            ProcessingSummary summary = processor.Run(recorder, Timeout());

            Assert.Equal(ResultDelivery.ExactlyOnce, decision.Delivery);
            Assert.Matches("^openmsistream\\.eos-data\\.eos-group\\.[0-9a-f]{12}$", decision.TransactionalId);
            Assert.Equal(processor.TransactionalId, decision.TransactionalId);
            Assert.Contains("; though the embedded broker accepts Kafka transactions but does not implement them", decision.Describe());
            Assert.Equal((3, ResultDelivery.ExactlyOnce), (summary.Processed, summary.ResultDelivery));
            Assert.All(recorder.Results, r => Assert.Equal((ProcessedStatus.Processed, 2, ResultDelivery.ExactlyOnce), (r.Status, r.ResultsProduced, r.ResultDelivery)));
            Assert.Empty(recorder.Errors);
            // Two messages per file, each file's in a transaction of its own: a marker follows each pair.
            List<ConsumeResult<byte[], byte[]>> results = _broker.ReadAllRaw(ResultTopic, expected: 6);
            Assert.Equal(6, results.Count);
            foreach (IGrouping<string, ConsumeResult<byte[], byte[]>> file in results.GroupBy(r => Encoding.UTF8.GetString(r.Message.Key)))
            {
                long[] offsets = file.Select(r => r.Offset.Value).OrderBy(o => o).ToArray();
                Assert.Equal(offsets[0] + 1, offsets[1]);
                Assert.DoesNotContain(results, r => r.Partition == file.First().Partition && r.Offset.Value == offsets[1] + 1);
            }
            Assert.All(processor.Records(), r => Assert.Equal((ProcessingStatus.Processed, 2), (r.Status, r.ResultsProduced)));

            // The same state directory keeps its transactional id.
            processor.Dispose();
            using var again = new StreamProcessor(Settings(), Options(ExactlyOnceMode.On), new Measure());
            Assert.Equal(decision.TransactionalId, again.TransactionalId);
            using var elsewhere = new StreamProcessor(Settings(), Options(ExactlyOnceMode.On, state: "state-elsewhere"), new Measure());
            Assert.NotEqual(decision.TransactionalId, elsewhere.TransactionalId);
        }

        [Fact]
        public async Task OffTurnsTransactionsOffAndNoResultTopicMeansNoResults()
        {
            await Send(("a.csv", TestData.Bytes(3000, 1)));
            using (var off = new StreamProcessor(Settings(), Options(ExactlyOnceMode.Off, count: 1), new Measure()))
            {
                ResultDeliveryDecision decision = off.Connect(new ProcessingRecorder(), default);
                Assert.Equal("results: at-least-once (exactly-once turned off)", decision.Describe());
            }
            StreamProcessingOptions none = Options(ExactlyOnceMode.On, count: 1);
            none.ResultTopic = null;
            using var processor = new StreamProcessor(Settings(), none, new Measure());
            Assert.Equal(ResultDelivery.None, processor.Connect(new ProcessingRecorder(), default).Delivery);
        }

        /// <summary>
        /// A processor killed after its results were sent in a transaction and before it recorded the file
        /// processed: the next start asks the broker (a read_committed read at the first result's offset)
        /// and records the file processed, without running the handler again.
        /// </summary>
        [Fact]
        public async Task AFileWhoseResultTransactionWasBeingCommittedIsSettledFromTheBrokerAtTheNextStart()
        {
            await Send(("a.csv", TestData.Bytes(3000, 1)));
            StreamProcessingOptions options = Options(ExactlyOnceMode.On, idle: TimeSpan.FromSeconds(3));
            // What a run killed between the commit and the record leaves: results on the topic, the record
            // "committing" at their offset.
            _broker.ProduceRaw(ResultTopic, new[] { (Encoding.UTF8.GetBytes("a.csv_processing_result"), Encoding.UTF8.GetBytes("{}")) }, partition: 1);
            long offset = _broker.ReadAllRaw(ResultTopic, expected: 1).Single().Offset.Value;
            string state = options.ResolveStateDirectory();
            using (ProcessingRegistry registry = ProcessingRegistry.Open(state, Topic, options.GroupId))
            {
                var file = new ReceivedFile("a.csv", null, null, 3000, 0, TestData.Sha512Hex(TestData.Bytes(3000, 1)), Topic, -1, null, "a.csv");
                registry.Committing(file, null, 1, 1, new TopicPartitionPosition(1, offset));
                Assert.Empty(registry.Unfinished()); // not fed to the workers before it is settled
                Assert.Single(registry.Committing());
            }
            var handler = new Measure();
            var recorder = new ProcessingRecorder();
            using var processor = new StreamProcessor(Settings(), options, handler);

            processor.Run(recorder, Timeout());

            ProcessingRecord record = Assert.Single(processor.Records());
            Assert.Equal((ProcessingStatus.Processed, 1, 1), (record.Status, record.Attempts, record.ResultsProduced));
            Assert.Equal(0, handler.Calls); // delivered again (no offsets were committed), skipped as processed
            Assert.Single(_broker.ReadAllRaw(ResultTopic, expected: 1)); // no second set of results
        }

        [Fact]
        public void TheProbeFindsAResultVisibleToReadCommittedConsumers()
        {
            _broker.ProduceRaw(ResultTopic, new[] { (new byte[] { 1 }, new byte[] { 2 }), (new byte[] { 1 }, new byte[] { 3 }) }, partition: 0);
            using var probe = new ResultCommitProbe(_broker.Settings, ResultTopic, new ClientDiagnostics());

            Assert.True(probe.IsCommitted(0, 1, TimeSpan.FromSeconds(20)));
            Assert.True(probe.IsCommitted(0, 0, TimeSpan.FromSeconds(20))); // one probe answers several questions
        }

        [Fact]
        public void AJournaledCommitIsOnlySettledOnceAndANotCommittedOneIsProcessedAgainFromItsContent()
        {
            string state = _temp.Combine("journal");
            var file = new ReceivedFile("x/y.csv", null, null, 10, 0, new string('a', 128), Topic, -1, null, "x_y.csv");
            using (ProcessingRegistry registry = ProcessingRegistry.Open(state, Topic, "g"))
            {
                registry.Pending(file, "/kept/y.csv", 2);
                registry.Committing(file, "/kept/y.csv", 2, 3, new TopicPartitionPosition(1, 42));
            }
            using (ProcessingRegistry reopened = ProcessingRegistry.Open(state, Topic, "g"))
            {
                ProcessingRecord committing = Assert.Single(reopened.Committing());
                Assert.Equal((1, 42L), (committing.Committing!.Value.Partition, committing.Committing.Value.Offset));
                Assert.Equal((ProcessingStatus.Pending, 2, 3, "/kept/y.csv"), (committing.Status, committing.Attempts, committing.ResultsProduced, committing.ContentPath));

                reopened.Settle(committing, committed: false);
                Assert.Empty(reopened.Committing());
                ProcessingRecord again = Assert.Single(reopened.Unfinished());
                Assert.Equal((ProcessingStatus.Pending, 2, 0, "/kept/y.csv"), (again.Status, again.Attempts, again.ResultsProduced, again.ContentPath));
                Assert.Null(again.Committing);

                reopened.Committing(file, "/kept/y.csv", 3, 3, new TopicPartitionPosition(0, 7));
                reopened.Settle(Assert.Single(reopened.Committing()), committed: true);
                ProcessingRecord done = Assert.Single(reopened.All());
                Assert.Equal((ProcessingStatus.Processed, 3, 3, (string?)null), (done.Status, done.Attempts, done.ResultsProduced, done.ContentPath));
                Assert.Empty(reopened.Unfinished());
            }
        }

        [Fact]
        public void AStateDirectoryKeepsItsInstanceIdAndAnotherGetsItsOwn()
        {
            string id1, id2;
            using (ProcessingRegistry registry = ProcessingRegistry.Open(_temp.Combine("s1"), Topic, "g"))
            {
                id1 = registry.InstanceId();
                Assert.Equal(id1, registry.InstanceId());
            }
            using (ProcessingRegistry reopened = ProcessingRegistry.Open(_temp.Combine("s1"), Topic, "g"))
            {
                Assert.Equal(id1, reopened.InstanceId());
            }
            using (ProcessingRegistry other = ProcessingRegistry.Open(_temp.Combine("s2"), Topic, "g"))
            {
                id2 = other.InstanceId();
            }
            Assert.Matches("^[0-9a-f]{12}$", id1);
            Assert.NotEqual(id1, id2);
        }

        /// <summary>
        /// The offsets a file's transaction carries are those the receiver's commit rule allows once the
        /// file counts as handled: up to the oldest message of a file still in progress or not yet taken.
        /// </summary>
        [Fact]
        public void AFilesTransactionCarriesTheOffsetsTheReceiverWouldCommitOnceItIsHandled()
        {
            List<DataFileChunk> a = ChunkFactory.Split(TestData.Bytes(2000, 1), 1000, "", "a.dat");
            List<DataFileChunk> b = ChunkFactory.Split(TestData.Bytes(2000, 2), 1000, "", "b.dat");
            // Partition 0: a1 b1 a2 b2 (offsets 0..3); b is complete at offset 3, a at offset 2.
            _broker.ProduceRaw(Topic, new[] { a[0], b[0], a[1], b[1] }.Select(c => (Encoding.UTF8.GetBytes(ChunkMessageKey.For(c.Subdirectory, c.Filename, c.ChunkIndex, c.TotalChunks)), ChunkMessageSerializer.Serialize(c))), partition: 0);
            var offered = new Dictionary<string, IReadOnlyList<TopicPartitionOffset>>();
            using var receiver = new FileReceiver(_broker.Settings, new ReceiveOptions(Topic) { GroupId = "offsets", AcknowledgeFiles = true, Count = 2, IdleTimeout = TimeSpan.FromSeconds(20) });
            var pending = new List<Task>();
            var observer = new AcknowledgingObserver(file =>
            {
                if (file.RelativePath == "a.dat")
                {
                    // a first: b (offset 1) is not taken yet, so nothing past offset 1 may be committed.
                    pending.Add(receiver.AcknowledgeWithCommit(file, (offsets, group) => offered["a.dat"] = offsets));
                }
                else
                {
                    pending.Add(receiver.AcknowledgeWithCommit(file, (offsets, group) => offered["b.dat"] = offsets));
                }
            });

            receiver.Run(observer, Timeout());

            Assert.All(pending, task => Assert.True(task.IsCompletedSuccessfully)); // run by the receiver before it returned
            Assert.Equal(new[] { "0:1" }, offered["a.dat"].Select(o => $"{o.Partition.Value}:{o.Offset.Value}"));
            Assert.Equal(new[] { "0:4" }, offered["b.dat"].Select(o => $"{o.Partition.Value}:{o.Offset.Value}"));
        }

        [Fact]
        public void WorkAcknowledgedAfterTheReceiverStoppedIsCancelledNotLeftWaiting()
        {
            using var receiver = new FileReceiver(_broker.Settings, new ReceiveOptions(Topic) { GroupId = "stopped", AcknowledgeFiles = true, IdleTimeout = TimeSpan.FromSeconds(1) });
            receiver.Run(new AcknowledgingObserver(_ => { }), Timeout());
            bool ran = false;

            Task late = receiver.AcknowledgeWithCommit(new ReceivedFile("late.dat", null, null, 1, 0, new string('0', 128), Topic, 0, null, "late.dat"), (_, _) => ran = true);

            Assert.True(late.IsCanceled);
            Assert.False(ran);
        }

        private static long Transaction(IProducer<byte[], byte[]> producer, string value, bool commit, TopicPartitionOffset[]? offsets, IConsumerGroupMetadata? group)
        {
            producer.BeginTransaction();
            long offset = Produce(producer, value);
            if (offsets != null)
            {
                producer.SendOffsetsToTransaction(offsets, group, TimeSpan.FromSeconds(10));
            }
            if (commit)
            {
                producer.CommitTransaction(TimeSpan.FromSeconds(10));
            }
            else
            {
                producer.AbortTransaction(TimeSpan.FromSeconds(10));
            }
            return offset;
        }

        /// <summary>Produces one message to partition 0 of the result topic; its offset once delivered.</summary>
        private static long Produce(IProducer<byte[], byte[]> producer, string value)
        {
            long offset = -1;
            producer.Produce(new TopicPartition(ResultTopic, 0), new Message<byte[], byte[]> { Value = Encoding.UTF8.GetBytes(value) }, report => offset = report.Offset.Value);
            producer.Flush(TimeSpan.FromSeconds(10));
            return offset;
        }

        private static List<ConsumeResult<byte[], byte[]>> ReadPartition(string bootstrap, IsolationLevel isolation)
        {
            using IConsumer<byte[], byte[]> reader = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
            {
                BootstrapServers = bootstrap, GroupId = "reader-" + Guid.NewGuid(), IsolationLevel = isolation, EnablePartitionEof = true,
            }).Build();
            reader.Assign(new TopicPartitionOffset(ResultTopic, 0, 0));
            var read = new List<ConsumeResult<byte[], byte[]>>();
            DateTime deadline = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < deadline)
            {
                ConsumeResult<byte[], byte[]>? result = reader.Consume(TimeSpan.FromMilliseconds(200));
                if (result?.IsPartitionEOF == true)
                {
                    break;
                }
                if (result?.Message != null)
                {
                    read.Add(result);
                }
            }
            return read;
        }

        private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

        private StreamProcessingOptions Options(ExactlyOnceMode mode, int? count = null, TimeSpan? idle = null, string state = "state") =>
            new StreamProcessingOptions(Topic, "eos-group")
            {
                StateDirectory = _temp.Combine(state),
                ResultTopic = ResultTopic,
                ExactlyOnce = mode,
                Count = count,
                IdleTimeout = idle ?? TimeSpan.FromSeconds(30),
            };

        private KafkaSettings Settings() => _broker.ShortSessionSettings(_temp);

        private async Task Send(params (string Name, byte[] Content)[] files)
        {
            string source = _temp.Combine("source-" + Guid.NewGuid().ToString("N"));
            foreach ((string name, byte[] content) in files)
            {
                _temp.WriteFile(Path.Combine(Path.GetFileName(source), name), content);
            }
            using var sender = new FileSender(_broker.Settings, new SendOptions(Topic) { ChunkSize = 4096 });
            sender.Connect(default);
            await Task.WhenAll(files.Select(f => sender.SendAsync(FileToSend.Create(Path.Combine(source, f.Name), source), null, default)));
        }

        /// <summary>Two result messages per file.</summary>
        private sealed class Measure : DataFileStreamReproducer
        {
            private int _calls;

            public int Calls => _calls;

            protected override Task<IReadOnlyList<string>> GetResultMessagesAsync(ReceivedFile file, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref _calls);
                return Task.FromResult<IReadOnlyList<string>>(new[] { $"{{\"file\":\"{file.RelativePath}\",\"part\":1}}", $"{{\"file\":\"{file.RelativePath}\",\"bytes\":{file.Length}}}" });
            }
        }

        private sealed class AcknowledgingObserver : IRunObserver<ReceivedFile, ReceiveProgress>
        {
            private readonly Action<ReceivedFile> _received;

            public AcknowledgingObserver(Action<ReceivedFile> received) => _received = received;

            public void File(ReceivedFile file) => _received(file);

            public void Error(OpenMsiStreamException error) => throw new InvalidOperationException(error.Message);

            public void Warning(string message)
            {
            }

            public void Verbose(string message)
            {
            }

            public void Progress(ReceiveProgress progress)
            {
            }
        }
    }
}
