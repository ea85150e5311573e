using System;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Chunks;
using System.Collections.Generic;
using OpenMsiStream.Config;
using OpenMsiStream.Kafka;
using OpenMsiStream.Messaging;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Upload
{
    /// <summary>
    /// The producer of chunk messages: every chunk of a file goes to one partition, delivery reports
    /// arrive on librdkafka's poll thread, and a full local queue makes the caller wait (bounded
    /// memory) rather than fail.
    /// </summary>
    internal sealed class ChunkProducer : IDisposable
    {
        private static readonly TimeSpan QueueFullPause = TimeSpan.FromMilliseconds(5);
        private static readonly TimeSpan PartitionCountRefresh = TimeSpan.FromMinutes(1);
        private readonly EncryptingProducer _producer;
        private readonly Dictionary<string, (int Count, DateTime Read)> _partitionCounts = new Dictionary<string, (int, DateTime)>(StringComparer.Ordinal);

        private readonly bool _brokerKeepsHeaders;
        private long _queued;

        public ChunkProducer(KafkaSettings settings, ClientDiagnostics diagnostics)
        {
            Settings = settings;
            Diagnostics = diagnostics;
            ClientPropertySet properties = KafkaClientFactory.ProducerProperties(settings);
            _brokerKeepsHeaders = KafkaClientFactory.BrokerKeepsHeaders(properties);
            _producer = SecureMessaging.Producer(settings, properties, diagnostics, FilePartitioner.Choose);
            // An encrypted key and value each grow by KafkaCrypto's envelope; the chunk-size check must leave room.
            MessageMaxBytes = KafkaClientFactory.MessageMaxBytes(properties) - _producer.EnvelopeBytes;
        }

        /// <summary>The KafkaCrypto node encrypting this producer's messages, or null when they are sent in the clear.</summary>
        public string? CryptoNodeId => _producer.CryptoNodeId;

        public KafkaSettings Settings { get; }

        public ClientDiagnostics Diagnostics { get; }

        public int MessageMaxBytes { get; }

        /// <summary>Chunks handed to <see cref="Produce"/> whose delivery report has not come yet: the producer's queue depth.</summary>
        public long Queued => Interlocked.Read(ref _queued);

        /// <summary>Fails fast, with the real reason, when the broker cannot be reached or refuses us.</summary>
        public ClusterMetadata Probe(string topic, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using IAdminClient admin = new DependentAdminClientBuilder(_producer.Producer.Handle).Build();
            return KafkaConnectionProbe.Probe(admin, topic, timeout, Settings, Diagnostics, cancellationToken);
        }

        /// <summary>
        /// Refuses metadata that cannot travel safely: KafkaCrypto encrypts keys and values but not
        /// headers, so with encryption the metadata would be the one thing in clear; and brokers before
        /// Kafka 0.11 keep no headers at all.
        /// </summary>
        public void RequireMetadataSupport(FileMetadata metadata, string file)
        {
            if (!metadata.IsEmpty && MetadataRefusal is string why)
            {
                throw new OpenMsiStream.Diagnostics.OpenMsiStreamException(OpenMsiStream.Diagnostics.ErrorIds.MetadataUnsupported,
                    $"'{file}' was not sent: it has metadata, {why}", target: file);
            }
        }

        /// <summary>Why no metadata can travel with files through this producer (the end of a sentence), or null when it can.</summary>
        public string? MetadataRefusal =>
            _producer.Encrypts
                ? "and KafkaCrypto does not encrypt Kafka headers, so the metadata would travel in clear beside the encrypted file. Put it in a file of its own (which is encrypted) instead."
                : !_brokerKeepsHeaders
                    ? "which travels as a Kafka header, and the config says the broker is older than Kafka 0.11 (broker.version.fallback), which keeps no headers."
                    : null;

        /// <summary>Queues one chunk; <paramref name="onDelivery"/> runs when the broker acknowledged it or it failed for good.</summary>
        public void Produce(string topic, OutgoingChunk chunk, FileMetadata metadata, Action<DeliveryReport<byte[], byte[]>> onDelivery, CancellationToken cancellationToken)
        {
            // Encrypted, the partition comes from the plaintext key: an encrypted key is random, and would
            // scatter a file's chunks over partitions (and over the consumers of a group).
            TopicPartition? partition = _producer.Encrypts
                ? new TopicPartition(topic, FilePartitioner.Choose(topic, PartitionCount(topic, cancellationToken), chunk.Key, keyIsNull: false))
                : null;
            Message<byte[], byte[]> message = _producer.Encrypt(topic, chunk.Key, chunk.Value, Headers(metadata));
            Action<DeliveryReport<byte[], byte[]>> delivered = report =>
            {
                Interlocked.Decrement(ref _queued);
                onDelivery(report);
            };
            Interlocked.Increment(ref _queued); // before the call: its report may come before Produce returns
            bool queued = false;
            try
            {
                ProduceUntilQueued(topic, partition, message, delivered, chunk, cancellationToken);
                queued = true;
            }
            finally
            {
                if (!queued)
                {
                    Interlocked.Decrement(ref _queued);
                }
            }
        }

        private void ProduceUntilQueued(string topic, TopicPartition? partition, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>> onDelivery,
            OutgoingChunk chunk, CancellationToken cancellationToken)
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    if (partition != null)
                    {
                        _producer.Producer.Produce(partition, message, onDelivery);
                    }
                    else
                    {
                        _producer.Producer.Produce(topic, message, onDelivery);
                    }
                    return;
                }
                catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // librdkafka's queue is at its memory bound: wait for deliveries to free room.
                    cancellationToken.WaitHandle.WaitOne(QueueFullPause);
                }
                catch (ProduceException<byte[], byte[]> ex)
                {
                    throw KafkaErrors.From(ex.Error, $"Sending chunk {chunk.ChunkIndex}", Settings, Diagnostics, topic);
                }
            }
        }

        /// <summary>Waits until every queued chunk was acknowledged or failed.</summary>
        public void Flush(CancellationToken cancellationToken) => _producer.Producer.Flush(cancellationToken);

        public void Dispose() => _producer.Dispose();

        private static Headers? Headers(FileMetadata metadata) =>
            metadata.IsEmpty ? null : new Headers { { FileMetadata.HeaderName, metadata.Header } };

        private int PartitionCount(string topic, CancellationToken cancellationToken)
        {
            lock (_partitionCounts)
            {
                if (_partitionCounts.TryGetValue(topic, out (int Count, DateTime Read) known) && DateTime.UtcNow - known.Read < PartitionCountRefresh)
                {
                    return known.Count;
                }
            }
            int count = Probe(topic, TimeSpan.FromSeconds(15), cancellationToken).PartitionCount ?? 1;
            lock (_partitionCounts)
            {
                _partitionCounts[topic] = (count, DateTime.UtcNow);
            }
            return count;
        }
    }
}
