using System;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Chunks;
using OpenMsiStream.Config;

namespace OpenMsiStream.Kafka
{
    /// <summary>
    /// The producer of chunk messages: every chunk of a file goes to one partition, delivery reports
    /// arrive on librdkafka's poll thread, and a full local queue makes the caller wait (bounded
    /// memory) rather than fail.
    /// </summary>
    internal sealed class ChunkProducer : IDisposable
    {
        private static readonly TimeSpan QueueFullPause = TimeSpan.FromMilliseconds(5);
        private readonly IProducer<byte[], byte[]> _producer;

        public ChunkProducer(KafkaSettings settings, ClientDiagnostics diagnostics)
        {
            Settings = settings;
            Diagnostics = diagnostics;
            ClientPropertySet properties = KafkaClientFactory.ProducerProperties(settings);
            MessageMaxBytes = KafkaClientFactory.MessageMaxBytes(properties);
            _producer = KafkaClientFactory.BuildProducer(properties, diagnostics, FilePartitioner.Choose);
        }

        public KafkaSettings Settings { get; }

        public ClientDiagnostics Diagnostics { get; }

        public int MessageMaxBytes { get; }

        /// <summary>Fails fast, with the real reason, when the broker cannot be reached or refuses us.</summary>
        public ClusterMetadata Probe(string topic, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using IAdminClient admin = new DependentAdminClientBuilder(_producer.Handle).Build();
            return KafkaConnectionProbe.Probe(admin, topic, timeout, Settings, Diagnostics, cancellationToken);
        }

        /// <summary>Queues one chunk; <paramref name="onDelivery"/> runs when the broker acknowledged it or it failed for good.</summary>
        public void Produce(string topic, OutgoingChunk chunk, Action<DeliveryReport<byte[], byte[]>> onDelivery, CancellationToken cancellationToken)
        {
            var message = new Message<byte[], byte[]> { Key = chunk.Key, Value = chunk.Value };
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    _producer.Produce(topic, message, onDelivery);
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
        public void Flush(CancellationToken cancellationToken) => _producer.Flush(cancellationToken);

        public void Dispose() => _producer.Dispose();
    }
}
