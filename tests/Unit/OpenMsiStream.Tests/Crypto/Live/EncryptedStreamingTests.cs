using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Crypto.Provisioning;
using OpenMsiStream.Crypto.Runtime;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using OpenMsiStream.Kafka;
using Xunit;
using Xunit.Abstractions;

namespace OpenMsiStream.Tests.Crypto.Live
{
    /// <summary>
    /// KafkaCrypto end to end through the embedded broker with real clients: our producer node encrypts,
    /// a separate consumer node gets the key through the key exchange, and what the broker holds is
    /// ciphertext only.
    /// </summary>
    public sealed class EncryptedStreamingTests : IDisposable
    {
        private const string Marker = "CONFIDENTIAL-XRD-SAMPLE-4711";
        private readonly TempDirectory _temp = new TempDirectory("crypto-live");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, "enc", "enc.heartbeats", "enc.results");

        private readonly ITestOutputHelper _output;

        public EncryptedStreamingTests(ITestOutputHelper output)
        {
            _output = output;
            CryptoTestNodes.Provision(_temp.Path, "lab_producer", NodeRole.Producer, "enc");
            CryptoTestNodes.Provision(_temp.Path, "lab_consumer", NodeRole.Consumer, "enc");
            ProducerConfig = CryptoTestNodes.WriteConfig(_temp.Path, "producer", _broker.Broker.BootstrapServers, "lab_producer");
            ConsumerConfig = CryptoTestNodes.WriteConfig(_temp.Path, "consumer", _broker.Broker.BootstrapServers, "lab_consumer");
        }

        private string ProducerConfig { get; }

        /// <summary>Client and key-exchange messages, in the test output when a test fails.</summary>
        private ClientDiagnostics Diagnostics(string who)
        {
            var diagnostics = new ClientDiagnostics();
            diagnostics.Message += m =>
            {
                try
                {
                    _output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {who}: {m}");
                }
                catch (InvalidOperationException)
                {
                    // the test has ended
                }
            };
            return diagnostics;
        }

        private string ConsumerConfig { get; }

        [Fact]
        public async Task FilesAreRebuiltByteIdenticalAndTheBrokerHoldsOnlyCiphertext()
        {
            var files = new Dictionary<string, byte[]>
            {
                ["small.txt"] = Encoding.UTF8.GetBytes(Marker + " 2theta,intensity\n10.0,42\n"),
                ["sub/big.bin"] = Concat(Encoding.UTF8.GetBytes(Marker), TestData.Bytes(700_000, seed: 7)),
                ["empty.dat"] = Array.Empty<byte>(),
            };
            string source = _temp.Combine("source");
            foreach (KeyValuePair<string, byte[]> file in files)
            {
                _temp.WriteFile(Path.Combine("source", file.Key), file.Value);
            }

            await SendAsync(ProducerConfig, source, files.Keys, keepProducing: async () =>
            {
                var observer = new RecordingObserver();
                string output = _temp.Combine("out");
                using (var receiver = new FileReceiver(KafkaSettings.FromFile(ConsumerConfig), new ReceiveOptions("enc")
                {
                    OutputDirectory = output,
                    Count = files.Count,
                    IdleTimeout = TimeSpan.FromSeconds(60),
                    Decryption = new DecryptionOptions { InitialWait = TimeSpan.FromSeconds(30), Wait = TimeSpan.FromSeconds(10) },
                }, Diagnostics("consumer")))
                {
                    Assert.Equal("lab_consumer", receiver.CryptoNodeId);
                    await Task.Run(() => receiver.Run(observer, default));
                }
                Assert.Empty(observer.Errors);
                Assert.Equal(files.Count, observer.Files.Count);
                foreach (KeyValuePair<string, byte[]> file in files)
                {
                    Assert.Equal(file.Value, File.ReadAllBytes(Path.Combine(output, file.Key)));
                }
            });

            List<ConsumeResult<byte[], byte[]>> raw = _broker.ReadAllRaw("enc", expected: 4);
            Assert.True(raw.Count >= 4, $"only {raw.Count} messages on the topic");
            byte[] marker = Encoding.UTF8.GetBytes(Marker);
            foreach (ConsumeResult<byte[], byte[]> message in raw)
            {
                Assert.True(EncryptedItem.TryParse(message.Message.Key, out _), "a Kafka key is not KafkaCrypto ciphertext");
                Assert.True(EncryptedItem.TryParse(message.Message.Value, out _), "a Kafka value is not KafkaCrypto ciphertext");
                Assert.False(Contains(message.Message.Value, marker), "plaintext file content is on the broker");
                Assert.False(Contains(message.Message.Key, Encoding.UTF8.GetBytes("big.bin")), "a file name is on the broker in the clear");
            }
            // The producer kept its key (wrapped) so that a later run can still hand it out.
            CryptoNodeFiles producer = CryptoNodeFiles.Load(_temp.Combine("lab_producer", "lab_producer.config"));
            Assert.Contains(OldKeys.Read(producer), k => k.Root == "enc");
        }

        [Fact]
        public async Task UndecryptableMessagesAreKeptReportedAndDecryptedAfterTheyAreSentAgain()
        {
            byte[] content = Concat(Encoding.UTF8.GetBytes(Marker), TestData.Bytes(300_000, seed: 3));
            string source = _temp.Combine("source");
            _temp.WriteFile(Path.Combine("source", "scan.bin"), content);
            // The producer sends and stops: nobody can hand out its key.
            await SendAsync(ProducerConfig, source, new[] { "scan.bin" }, keepProducing: () => Task.CompletedTask);

            string output = _temp.Combine("out");
            var first = new RecordingObserver();
            var options = new ReceiveOptions("enc")
            {
                OutputDirectory = output,
                GroupId = "lab-consumers",
                IdleTimeout = TimeSpan.FromSeconds(3),
                Decryption = new DecryptionOptions { InitialWait = TimeSpan.FromSeconds(3), Wait = TimeSpan.FromSeconds(1) },
            };
            using (var receiver = new FileReceiver(KafkaSettings.FromFile(ConsumerConfig), options, Diagnostics("consumer")))
            {
                await Task.Run(() => receiver.Run(first, default));
            }
            Assert.Empty(first.Files);
            Assert.Equal(2, first.Errors.Count); // one per chunk (262144-byte chunks)
            Assert.All(first.Errors, e => Assert.Equal(ErrorIds.UndecryptableMessage, e.ErrorId));
            Assert.All(first.Errors, e => Assert.Contains("lab_consumer", e.Message));
            IReadOnlyList<SavedMessage> saved = UndecryptableMessageStore.List(Path.Combine(output, UndecryptableMessageStore.DirectoryName));
            Assert.Equal(2, saved.Count);
            Assert.All(saved, s => Assert.Equal("enc", s.Topic));
            Assert.False(File.Exists(Path.Combine(output, "scan.bin")));

            // The producer's node runs again (any program on it serves its kept keys); the saved messages go back.
            using (new FileSender(KafkaSettings.FromFile(ProducerConfig), new SendOptions("enc"), Diagnostics("producer again")))
            {
                using (var resender = new UndecryptableMessageSender(KafkaSettings.FromFile(ProducerConfig)))
                {
                    foreach (SavedMessage message in saved)
                    {
                        ResentMessage sent = resender.Send(message, null, default);
                        Assert.Equal("enc", sent.Topic);
                    }
                }
                var second = new RecordingObserver();
                options.Count = 1;
                options.IdleTimeout = TimeSpan.FromSeconds(60);
                options.Decryption = new DecryptionOptions { InitialWait = TimeSpan.FromSeconds(30), Wait = TimeSpan.FromSeconds(10) };
                using (var receiver = new FileReceiver(KafkaSettings.FromFile(ConsumerConfig), options, Diagnostics("consumer")))
                {
                    await Task.Run(() => receiver.Run(second, default));
                }
                Assert.Empty(second.Errors);
                Assert.Single(second.Files);
                Assert.Equal(content, File.ReadAllBytes(Path.Combine(output, "scan.bin")));
            }
        }

        [Fact]
        public async Task PlainMessagesOnAnEncryptedTopicAreUndecryptableUnlessTreatedAsPlaintext()
        {
            string plainConfig = CryptoTestNodes.WriteConfig(_temp.Path, "plain", _broker.Broker.BootstrapServers, nodeId: null);
            string source = _temp.Combine("source");
            _temp.WriteFile(Path.Combine("source", "plain.txt"), Encoding.UTF8.GetBytes("not secret"));
            await SendAsync(plainConfig, source, new[] { "plain.txt" }, keepProducing: () => Task.CompletedTask);

            var refused = new RecordingObserver();
            using (var receiver = new FileReceiver(KafkaSettings.FromFile(ConsumerConfig), new ReceiveOptions("enc") { IdleTimeout = TimeSpan.FromSeconds(3) }))
            {
                await Task.Run(() => receiver.Run(refused, default));
            }
            OpenMsiStreamException error = Assert.Single(refused.Errors);
            Assert.Equal(ErrorIds.UndecryptableMessage, error.ErrorId);
            Assert.Contains("not encrypted with KafkaCrypto", error.Message);

            var accepted = new RecordingObserver();
            using (var receiver = new FileReceiver(KafkaSettings.FromFile(ConsumerConfig), new ReceiveOptions("enc")
            {
                Count = 1,
                IdleTimeout = TimeSpan.FromSeconds(10),
                Decryption = new DecryptionOptions { TreatUndecryptableAsPlaintext = true },
            }))
            {
                await Task.Run(() => receiver.Run(accepted, default));
            }
            Assert.Empty(accepted.Errors);
            Assert.Equal(Encoding.UTF8.GetBytes("not secret"), Assert.Single(accepted.Files).Bytes);
        }

        [Fact]
        public async Task ASecondProcessOnTheSameNodeIsRefused()
        {
            string watched = _temp.Combine("watched");
            Directory.CreateDirectory(watched);
            using CliProcess first = CliProcess.Start("upload-directory", watched, "--topic", "enc", "--config", ProducerConfig, "--state-directory", _temp.Combine("state"));
            string lockFile = _temp.Combine("lab_producer", "lab_producer.lock");
            await first.WaitUntilAsync(() => IsLocked(lockFile), TimeSpan.FromSeconds(60), "the first uploader to take the node");

            string file = _temp.WriteFile("one.txt", Encoding.UTF8.GetBytes("x"));
            using CliProcess second = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "upload-file", file, "--topic", "enc", "--config", ProducerConfig);
            Assert.NotEqual(0, second.ExitCode);
            Assert.Contains(ErrorIds.CryptoNodeInUse, second.Stderr);
            Assert.Contains("KafkaCrypto node 'lab_producer' is already in use by another process", second.Stderr);
            first.Terminate();
            await first.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.False(IsLocked(lockFile));
        }

        [Fact]
        public async Task AnUploaderProcessEncryptsFilesAndHeartbeatsThatAnotherNodeReads()
        {
            string watched = _temp.Combine("watched");
            byte[] content = Concat(Encoding.UTF8.GetBytes(Marker), TestData.Bytes(20_000, seed: 9));
            _temp.WriteFile(Path.Combine("watched", "run 1.csv"), content);
            using CliProcess uploader = CliProcess.Start("upload-directory", watched, "--topic", "enc", "--config", ProducerConfig, "--upload-existing",
                "--settle-time", "0.2", "--state-directory", _temp.Combine("state"), "--program-id", "xrd-uploader",
                "--heartbeat-topic", "enc.heartbeats", "--heartbeat-interval", "1");
            try
            {
                var heartbeats = new List<OpenMsiStream.Monitoring.Heartbeat>();
                var invalid = new List<OpenMsiStreamException>();
                var reader = new OpenMsiStream.Monitoring.HeartbeatReader(KafkaSettings.FromFile(ConsumerConfig),
                    new OpenMsiStream.Monitoring.HeartbeatReadOptions("enc.heartbeats") { Count = 2, IdleTimeout = TimeSpan.FromSeconds(60) }, Diagnostics("heartbeat reader"));
                await Task.Run(() => reader.Run(heartbeats.Add, invalid.Add, default));
                Assert.Empty(invalid);
                Assert.Equal(2, heartbeats.Count);
                Assert.All(heartbeats, h => Assert.Equal("xrd-uploader", h.ProgramId));

                var observer = new RecordingObserver();
                using (var receiver = new FileReceiver(KafkaSettings.FromFile(ConsumerConfig), new ReceiveOptions("enc") { Count = 1, IdleTimeout = TimeSpan.FromSeconds(60) }, Diagnostics("consumer")))
                {
                    await Task.Run(() => receiver.Run(observer, default));
                }
                Assert.Empty(observer.Errors);
                Assert.Equal(content, Assert.Single(observer.Files).Bytes);
            }
            finally
            {
                uploader.Terminate();
                await uploader.WaitAsync(TimeSpan.FromSeconds(60));
            }
            foreach (ConsumeResult<byte[], byte[]> message in _broker.ReadAllRaw("enc.heartbeats", expected: 2))
            {
                Assert.True(EncryptedItem.TryParse(message.Message.Value, out _), "a heartbeat is on the broker in the clear");
                Assert.False(Contains(message.Message.Key, Encoding.UTF8.GetBytes("xrd-uploader")), "a heartbeat key is on the broker in the clear");
            }
        }

        [Fact]
        public async Task AProcessorDecryptsItsInputAndEncryptsItsResults()
        {
            CryptoTestNodes.Provision(_temp.Path, "lab_processor", NodeRole.ProducerConsumer, "enc");
            string processorConfig = CryptoTestNodes.WriteConfig(_temp.Path, "processor", _broker.Broker.BootstrapServers, "lab_processor");
            string source = _temp.Combine("source");
            _temp.WriteFile(Path.Combine("source", "SC001.csv"), Encoding.UTF8.GetBytes(Marker + ",1,2,3"));
            await SendAsync(ProducerConfig, source, new[] { "SC001.csv" }, keepProducing: async () =>
            {
                // Held open here as well, so that the processor's node still hands out its result key after the run.
                KafkaCryptoNode processorNode = KafkaCryptoNode.Acquire(KafkaSettings.FromFile(processorConfig), Diagnostics("processor node"))!;
                try
                {
                    var options = new OpenMsiStream.Processing.StreamProcessingOptions("enc", "processors")
                    {
                        Mode = OpenMsiStream.Processing.ProcessingMode.Memory,
                        StateDirectory = _temp.Combine("processor-state"),
                        Count = 1,
                        IdleTimeout = TimeSpan.FromSeconds(60),
                        ResultTopic = "enc.results",
                    };
                    var recorder = new ProcessingRecorder();
                    using (var processor = new OpenMsiStream.Processing.StreamProcessor(KafkaSettings.FromFile(processorConfig), options, new NameMetadata()))
                    {
                        await Task.Run(() => processor.Run(recorder, default));
                    }
                    Assert.Equal(1, recorder.Single("SC001.csv").ResultsProduced);

                    ConsumeResult<byte[], byte[]> raw = Assert.Single(_broker.ReadAllRaw("enc.results", expected: 1));
                    Assert.True(EncryptedItem.TryParse(raw.Message.Value, out _), "a result is on the broker in the clear");
                    KafkaCryptoNode consumerNode = KafkaCryptoNode.Acquire(KafkaSettings.FromFile(ConsumerConfig), Diagnostics("result reader"))!;
                    try
                    {
                        var decryptor = new MessageDecryptor(consumerNode, new DecryptionOptions { InitialWait = TimeSpan.FromSeconds(30) });
                        DecryptedMessage result = await Task.Run(() => decryptor.Decrypt("enc.results", raw.Message.Key, raw.Message.Value, default));
                        Assert.True(result.Succeeded, result.Failure);
                        Assert.Equal("_SC001.csv_chunk_processing_result", Encoding.UTF8.GetString(result.Key!));
                        Assert.Contains("\"name\":\"SC001.csv\"", Encoding.UTF8.GetString(result.Value!), StringComparison.Ordinal);
                    }
                    finally
                    {
                        consumerNode.Release();
                    }
                }
                finally
                {
                    processorNode.Release();
                }
            });
        }

        private sealed class NameMetadata : OpenMsiStream.Processing.MetadataJsonReproducer
        {
            protected override Task<IDictionary<string, object?>> GetMetadataAsync(ReceivedFile file, System.Threading.CancellationToken cancellationToken) =>
                Task.FromResult<IDictionary<string, object?>>(new Dictionary<string, object?> { ["name"] = file.Name });
        }

        [Fact]
        public async Task ANodeWithoutTheRightToEncryptForTheTopicSendsNothing()
        {
            string file = _temp.WriteFile(Path.Combine("source", "scan.csv"), Encoding.UTF8.GetBytes(Marker));
            using var sender = new FileSender(KafkaSettings.FromFile(ConsumerConfig), new SendOptions("enc"), Diagnostics("consumer as producer"));
            sender.Connect(default);

            var error = await Assert.ThrowsAsync<OpenMsiStreamException>(() => sender.SendAsync(FileToSend.Create(file), null, default));

            Assert.Equal(ErrorIds.CryptoNodeInvalid, error.ErrorId);
            Assert.StartsWith("KafkaCrypto node 'lab_consumer' may not encrypt for topic root 'enc' (", error.Message, StringComparison.Ordinal);
            Assert.Empty(_broker.ReadAllRaw("enc", expected: 0));
        }

        private static bool IsLocked(string path)
        {
            if (!File.Exists(path))
            {
                return false;
            }
            try
            {
                using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                    return false;
                }
            }
            catch (IOException)
            {
                return true;
            }
        }

        /// <summary>Sends the files with a producer that stays up (answering key requests) while <paramref name="keepProducing"/> runs.</summary>
        private async Task SendAsync(string config, string root, IEnumerable<string> files, Func<Task> keepProducing)
        {
            using var sender = new FileSender(KafkaSettings.FromFile(config), new SendOptions("enc") { ChunkSize = 262144 }, Diagnostics("producer"));
            sender.Connect(default);
            foreach (string file in files)
            {
                await sender.SendAsync(FileToSend.Create(Path.Combine(root, file), root), null, default);
            }
            await keepProducing();
        }

        private static byte[] Concat(byte[] a, byte[] b) => a.Concat(b).ToArray();

        private static bool Contains(byte[] haystack, byte[] needle) =>
            haystack.AsSpan().IndexOf(needle) >= 0;

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }
    }
}
