using System;
using System.Collections.Generic;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.LocalBroker;

namespace OpenMsiStream.Tests.Support
{
    /// <summary>An embedded broker per test, plus raw Kafka clients for looking at what is on the wire.</summary>
    internal sealed class EmbeddedBroker : IDisposable
    {
        public EmbeddedBroker(int partitions = 4, params string[] topics)
        {
            Broker = LocalKafkaBroker.Start();
            foreach (string topic in topics)
            {
                Broker.CreateTopic(topic, partitions);
            }
        }

        public LocalKafkaBroker Broker { get; }

        public KafkaSettings Settings => KafkaSettings.FromBootstrapServers(Broker.BootstrapServers);

        /// <summary>
        /// Settings from a config file in <paramref name="temp"/> with a short consumer session: the embedded
        /// broker (unlike Kafka) lets a new member into a group that a member just left, and rebalances
        /// after an outage, only once the session timeout has passed.
        /// </summary>
        public KafkaSettings ShortSessionSettings(Common.TempDirectory temp)
        {
            string config = temp.Combine("short-session.config");
            System.IO.File.WriteAllText(config, $"[broker]\nbootstrap.servers = {Broker.BootstrapServers}\n[consumer]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 1000\n");
            return KafkaSettings.FromFile(config);
        }

        /// <summary>Produces raw key/value bytes, as a foreign or hostile producer would.</summary>
        public void ProduceRaw(string topic, IEnumerable<(byte[] Key, byte[] Value)> messages, int? partition = null)
        {
            using IProducer<byte[], byte[]> producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = Broker.BootstrapServers }).Build();
            foreach ((byte[] key, byte[] value) in messages)
            {
                var message = new Message<byte[], byte[]> { Key = key, Value = value };
                if (partition.HasValue)
                {
                    producer.Produce(new TopicPartition(topic, new Partition(partition.Value)), message);
                }
                else
                {
                    producer.Produce(topic, message);
                }
            }
            producer.Flush(TimeSpan.FromSeconds(30));
        }

        /// <summary>
        /// Every message on the topic, raw, with its partition: at least <paramref name="expected"/>, then
        /// whatever else arrives until the topic has been quiet for two seconds.
        /// </summary>
        public List<ConsumeResult<byte[], byte[]>> ReadAllRaw(string topic, int expected)
        {
            var config = new ConsumerConfig { BootstrapServers = Broker.BootstrapServers, GroupId = "raw-" + Guid.NewGuid(), AutoOffsetReset = AutoOffsetReset.Earliest };
            using IConsumer<byte[], byte[]> consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
            consumer.Subscribe(topic);
            var results = new List<ConsumeResult<byte[], byte[]>>();
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            DateTime lastMessage = DateTime.UtcNow;
            while (DateTime.UtcNow < deadline && (results.Count < expected || DateTime.UtcNow - lastMessage < TimeSpan.FromSeconds(2)))
            {
                ConsumeResult<byte[], byte[]>? result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result?.Message != null)
                {
                    results.Add(result);
                    lastMessage = DateTime.UtcNow;
                }
            }
            consumer.Close();
            return results;
        }

        public void Dispose() => Broker.Dispose();
    }

    /// <summary>Records what a receiver reports, for assertions.</summary>
    internal sealed class RecordingObserver : IRunObserver<ReceivedFile, ReceiveProgress>
    {
        private readonly object _gate = new object();

        public List<ReceivedFile> Files { get; } = new List<ReceivedFile>();

        public List<OpenMsiStreamException> Errors { get; } = new List<OpenMsiStreamException>();

        public List<string> Warnings { get; } = new List<string>();

        public long BytesConsumed;

        public void File(ReceivedFile file)
        {
            lock (_gate)
            {
                Files.Add(file);
            }
        }

        public void Error(OpenMsiStreamException error)
        {
            lock (_gate)
            {
                Errors.Add(error);
            }
        }

        public void Warning(string message)
        {
            lock (_gate)
            {
                Warnings.Add(message);
            }
        }

        public void Verbose(string message)
        {
        }

        public void Progress(ReceiveProgress progress) => Interlocked.Exchange(ref BytesConsumed, progress.Bytes);
    }
}
