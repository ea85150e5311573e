using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Processing
{
    /// <summary>
    /// Produces processing results (UTF-8 JSON text) to a result topic and waits for the broker's
    /// acknowledgement: a file counts as processed only once its results are stored.
    /// </summary>
    internal sealed class ResultProducer : IDisposable
    {
        private readonly IProducer<byte[], byte[]> _producer;
        private readonly KafkaSettings _settings;
        private readonly ClientDiagnostics _diagnostics;
        private readonly Crypto.Runtime.KafkaCryptoNode? _cryptoNode;
        private readonly Crypto.Runtime.MessageEncryptor? _encryptor;

        public ResultProducer(KafkaSettings settings, string topic, ClientDiagnostics diagnostics)
        {
            TopicName.Validate(topic);
            Topic = topic;
            _settings = settings;
            _diagnostics = diagnostics;
            _cryptoNode = Crypto.Runtime.KafkaCryptoNode.Acquire(settings, diagnostics);
            _encryptor = _cryptoNode?.EncryptorFor(topic);
            _producer = KafkaClientFactory.BuildProducer(KafkaClientFactory.ProducerProperties(settings), diagnostics, partitioner: null);
        }

        public string Topic { get; }

        /// <summary>Produces every message with <paramref name="key"/>; returns when all are acknowledged.</summary>
        public async Task ProduceAsync(string key, IReadOnlyList<string> messages, CancellationToken cancellationToken)
        {
            byte[] keyBytes = Encoding.UTF8.GetBytes(key);
            var deliveries = messages.Select(message => _producer.ProduceAsync(Topic, new Message<byte[], byte[]>
            {
                Key = _encryptor?.Key(keyBytes) ?? keyBytes,
                Value = _encryptor?.Value(Encoding.UTF8.GetBytes(message)) ?? Encoding.UTF8.GetBytes(message),
            }, cancellationToken)).ToList();
            try
            {
                await Task.WhenAll(deliveries).ConfigureAwait(false);
            }
            catch (ProduceException<byte[], byte[]> ex)
            {
                throw KafkaErrors.From(ex.Error, $"Producing a result to topic '{Topic}'", _settings, _diagnostics, Topic);
            }
        }

        public void Dispose()
        {
            _producer.Flush(TimeSpan.FromSeconds(10));
            _producer.Dispose();
            _cryptoNode?.Release();
        }
    }
}
