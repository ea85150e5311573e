using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Download;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using OpenMsiStream.Wire;
using Xunit;

namespace OpenMsiStream.Tests.Kafka
{
    /// <summary>Per-file user metadata as a Kafka header on every chunk, through the embedded broker with the real client.</summary>
    public sealed class MetadataTests : IDisposable
    {
        private const string Topic = "samples";
        private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);
        private readonly TempDirectory _temp = new TempDirectory("metadata");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, Topic);

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task MetadataTravelsOnEveryChunkAndComesBackOnTheReceivedFileAcrossARestart()
        {
            string path = _temp.WriteFile("XRD 17.raw", TestData.Bytes(50_000, seed: 1));
            FileMetadata metadata = FileMetadata.From(new Dictionary<string, string> { ["sample"] = "STO on Si; 測定 #4", ["operator"] = "M. Curie", ["temperature_K"] = "77" }, "test");
            using (var sender = new FileSender(_broker.Settings, new SendOptions(Topic) { ChunkSize = 16384 }))
            {
                sender.Connect(default);
                await sender.SendAsync(FileToSend.Create(path).WithMetadata(metadata), null, default);
            }

            List<ConsumeResult<byte[], byte[]>> raw = _broker.ReadAllRaw(Topic, expected: 4);
            Assert.Equal(4, raw.Count);
            Assert.All(raw, r => Assert.Equal("{\"operator\":\"M. Curie\",\"sample\":\"STO on Si; \\u6E2C\\u5B9A #4\",\"temperature_K\":\"77\"}",
                Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes(FileMetadata.HeaderName))));
            // The chunk values are OpenMSIStream's, unchanged: a Python consumer reads them as before.
            Assert.All(raw, r => Assert.Equal("XRD 17.raw", ChunkMessageDeserializer.Deserialize(r.Message.Value).Filename));

            var observer = new RecordingObserver();
            using (var receiver = new FileReceiver(_broker.Settings, new ReceiveOptions(Topic) { OutputDirectory = _temp.Combine("out"), Count = 1, IdleTimeout = Idle }))
            {
                receiver.Run(observer, default);
            }
            ReceivedFile received = Assert.Single(observer.Files);
            Assert.Equal(metadata.Values, received.Metadata);
        }

        [Fact]
        public void AStagedFileKeepsItsMetadataForTheNextRun()
        {
            string output = _temp.Combine("staged");
            FileMetadata metadata = FileMetadata.From(new Dictionary<string, string> { ["sample"] = "A7" }, "test");
            List<DataFileChunk> chunks = ChunkFactory.Split(TestData.Bytes(3000, seed: 2), 1024);
            var first = new DirectoryTarget(output, "topic", "group");
            var firstRun = new Reassembler(first, "topic");
            firstRun.Accept(chunks[0], new MessagePosition(0, 0), metadata);
            firstRun.Persist();
            first.Cleanup();

            var second = new DirectoryTarget(output, "topic", "group");
            using var secondRun = new Reassembler(second, "topic");
            secondRun.Accept(chunks[1], new MessagePosition(0, 1), metadata);
            ChunkResult done = secondRun.Accept(chunks[2], new MessagePosition(0, 2)); // a chunk without the header changes nothing

            Assert.Equal(metadata.Values, done.File!.Metadata);
            second.Cleanup();
        }

        [Fact]
        public void AHeaderThatIsNotAJsonObjectOfStringsIsLeftOutWithAWarningOncePerFile()
        {
            DataFileChunk[] chunks = ChunkFactory.Split(TestData.Bytes(3000, seed: 3), 1024, filename: "odd.dat").ToArray();
            using (IProducer<byte[], byte[]> producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = _broker.Broker.BootstrapServers }).Build())
            {
                foreach (DataFileChunk chunk in chunks)
                {
                    producer.Produce(new TopicPartition(Topic, 0), new Message<byte[], byte[]>
                    {
                        Key = Encoding.UTF8.GetBytes(ChunkMessageKey.For("", "odd.dat", chunk.ChunkIndex, chunk.TotalChunks)),
                        Value = ChunkMessageSerializer.Serialize(chunk),
                        Headers = new Headers { { FileMetadata.HeaderName, Encoding.UTF8.GetBytes("{\"nested\": {\"no\": 1}}") } },
                    });
                }
                producer.Flush(TimeSpan.FromSeconds(30));
            }

            var observer = new RecordingObserver();
            using (var receiver = new FileReceiver(_broker.Settings, new ReceiveOptions(Topic) { Count = 1, IdleTimeout = Idle }))
            {
                receiver.Run(observer, default);
            }

            Assert.Empty(Assert.Single(observer.Files).Metadata);
            Assert.Equal(new[] { "The metadata of 'odd.dat' is not a JSON object of strings of at most 1024 bytes; the file is received without it." }, observer.Warnings.Where(w => w.Contains("metadata")));
        }

        [Fact]
        public async Task MetadataIsRefusedWhereItCannotTravel()
        {
            string path = _temp.WriteFile("a.csv", TestData.Bytes(100, seed: 4));
            FileToSend withMetadata = FileToSend.Create(path).WithMetadata(FileMetadata.From(new Dictionary<string, string> { ["k"] = "v" }, "test"));
            string oldBroker = _temp.Combine("old.config");
            File.WriteAllText(oldBroker, $"[broker]\nbootstrap.servers = {_broker.Broker.BootstrapServers}\napi.version.request = false\nbroker.version.fallback = 0.9.0\n[producer]\nenable.idempotence = false\n");
            using var sender = new FileSender(KafkaSettings.FromFile(oldBroker), new SendOptions(Topic));
            sender.Connect(default);

            var error = await Assert.ThrowsAsync<OpenMsiStreamException>(() => sender.SendAsync(withMetadata, null, default));

            Assert.Equal(ErrorIds.MetadataUnsupported, error.ErrorId);
            Assert.Contains("older than Kafka 0.11", error.Message);
            Assert.Throws<OpenMsiStreamException>(() => FileMetadata.From(new Dictionary<string, string> { ["big"] = new string('x', 2000) }, "-Metadata"));
        }

        [Fact]
        public async Task WithEncryptionMetadataIsRefusedBecauseHeadersWouldTravelInClear()
        {
            Crypto.Live.CryptoTestNodes.Provision(_temp.Path, "lab_producer", OpenMsiStream.Crypto.Provisioning.NodeRole.Producer, Topic);
            string config = Crypto.Live.CryptoTestNodes.WriteConfig(_temp.Path, "producer", _broker.Broker.BootstrapServers, "lab_producer");
            string path = _temp.WriteFile("secret.csv", TestData.Bytes(100, seed: 5));
            using var sender = new FileSender(KafkaSettings.FromFile(config), new SendOptions(Topic));
            sender.Connect(default);

            var error = await Assert.ThrowsAsync<OpenMsiStreamException>(() =>
                sender.SendAsync(FileToSend.Create(path).WithMetadata(FileMetadata.From(new Dictionary<string, string> { ["sample"] = "A7" }, "test")), null, default));

            Assert.Equal(ErrorIds.MetadataUnsupported, error.ErrorId);
            Assert.Equal($"'{path}' was not sent: it has metadata, and KafkaCrypto does not encrypt Kafka headers, so the metadata would travel in clear beside the encrypted file. Put it in a file of its own (which is encrypted) instead.", error.Message);
            Assert.Empty(_broker.ReadAllRaw(Topic, expected: 0));
        }
    }
}
