using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Kafka;
using OpenMsiStream.Messaging;

namespace OpenMsiStream.Processing
{
    /// <summary>
    /// Produces processing results (UTF-8 JSON text) to a result topic and waits for the broker's
    /// acknowledgement: a file counts as processed only once its results are stored. With a
    /// transactional id the producer is transactional (<see cref="ResultTransactions"/> runs its
    /// transactions).
    /// </summary>
    internal sealed class ResultProducer : IDisposable
    {
        private readonly KafkaSettings _settings;
        private readonly ClientDiagnostics _diagnostics;
        private readonly EncryptingProducer _producer;
        private readonly bool _transactional;
        private long _queued;

        public ResultProducer(KafkaSettings settings, string topic, ClientDiagnostics diagnostics, string? transactionalId = null)
        {
            TopicName.Validate(topic);
            Topic = topic;
            _settings = settings;
            _diagnostics = diagnostics;
            _transactional = transactionalId != null;
            ClientPropertySet properties = KafkaClientFactory.ProducerProperties(settings);
            if (transactionalId != null)
            {
                properties.Set("transactional.id", transactionalId, "exactly-once results");
            }
            _producer = SecureMessaging.Producer(settings, properties, diagnostics, topic: topic);
        }

        public string Topic { get; }

        internal IProducer<byte[], byte[]> Producer => _producer.Producer;

        /// <summary>Results handed to the producer whose acknowledgement has not come yet: the result producer's queue depth.</summary>
        public long Queued => Interlocked.Read(ref _queued);

        /// <summary>
        /// Produces every message with <paramref name="key"/>; returns when all are acknowledged, with where
        /// the first one was written (all share the key, so the partition).
        /// </summary>
        public async Task<TopicPartitionOffset?> ProduceAsync(string key, IReadOnlyList<string> messages, CancellationToken cancellationToken)
        {
            byte[] keyBytes = Encoding.UTF8.GetBytes(key);
            var deliveries = messages.Select(message => Counted(() => Producer.ProduceAsync(Topic, _producer.Encrypt(Topic, keyBytes, Encoding.UTF8.GetBytes(message)), cancellationToken))).ToList();
            try
            {
                DeliveryResult<byte[], byte[]>[] delivered = await Task.WhenAll(deliveries).ConfigureAwait(false);
                return delivered.Length == 0 ? null : delivered.OrderBy(d => d.Offset.Value).First().TopicPartitionOffset;
            }
            catch (ProduceException<byte[], byte[]> ex)
            {
                throw KafkaErrors.From(ex.Error, $"Producing a result to topic '{Topic}'", _settings, _diagnostics, Topic);
            }
        }

        /// <summary>Counts a message in <see cref="Queued"/> until its delivery (or failure) is known.</summary>
        private Task<DeliveryResult<byte[], byte[]>> Counted(Func<Task<DeliveryResult<byte[], byte[]>>> produce)
        {
            Interlocked.Increment(ref _queued);
            Task<DeliveryResult<byte[], byte[]>> delivery;
            try
            {
                delivery = produce();
            }
            catch
            {
                Interlocked.Decrement(ref _queued);
                throw;
            }
            delivery.ContinueWith(_ => Interlocked.Decrement(ref _queued), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return delivery;
        }

        public void Dispose()
        {
            if (!_transactional)
            {
                // A transactional producer has nothing left to flush: every transaction ended before.
                Producer.Flush(TimeSpan.FromSeconds(10));
            }
            _producer.Dispose();
        }
    }
}
