using System;
using System.IO;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>
    /// Puts saved undecryptable messages back on their topic unchanged (they are still ciphertext, so no
    /// encryption is applied), for consumers to try again once the keys can be had — OpenMSIStream's
    /// ReproduceUndecryptableMessages. All go to partition 0: the encrypted key says nothing about which
    /// file a chunk belongs to, and one partition keeps a file's chunks together.
    /// </summary>
    public sealed class UndecryptableMessageSender : IDisposable
    {
        private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(60);
        private readonly KafkaSettings _settings;
        private readonly ClientDiagnostics _diagnostics;
        private readonly IProducer<byte[], byte[]> _producer;

        public UndecryptableMessageSender(KafkaSettings settings, ClientDiagnostics? diagnostics = null)
        {
            _settings = settings;
            _diagnostics = diagnostics ?? new ClientDiagnostics();
            _producer = KafkaClientFactory.BuildProducer(KafkaClientFactory.ProducerProperties(settings), _diagnostics, partitioner: null);
        }

        /// <summary>Sends one saved message and waits for the broker's acknowledgement.</summary>
        public ResentMessage Send(SavedMessage message, string? topic, CancellationToken cancellationToken)
        {
            string target = string.IsNullOrEmpty(topic) ? message.Topic : topic!;
            TopicName.Validate(target);
            if (message.ValueFile == null)
            {
                throw new OpenMsiStreamException(ErrorIds.FileNotFound,
                    $"'{message.KeyFile}' has no matching _value.bin file; the message cannot be sent again.", target: message.KeyFile);
            }
            byte[] key = File.ReadAllBytes(message.KeyFile);
            byte[] value = File.ReadAllBytes(message.ValueFile);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(DeliveryTimeout);
            try
            {
                DeliveryResult<byte[], byte[]> result = _producer.ProduceAsync(new TopicPartition(target, new Partition(0)),
                    new Message<byte[], byte[]> { Key = key.Length == 0 ? null! : key, Value = value }, timeout.Token).GetAwaiter().GetResult();
                return new ResentMessage(message.KeyFile, message.ValueFile, target, result.Partition.Value, result.Offset.Value);
            }
            catch (ProduceException<byte[], byte[]> ex)
            {
                throw KafkaErrors.From(ex.Error, $"Sending '{message.ValueFile}' to topic '{target}'", _settings, _diagnostics, target);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new OpenMsiStreamException(ErrorIds.DeliveryFailed,
                    $"The broker did not acknowledge '{message.ValueFile}' on topic '{target}' within {DeliveryTimeout.TotalSeconds:0} s.", target: message.ValueFile);
            }
        }

        public void Dispose()
        {
            _producer.Flush(TimeSpan.FromSeconds(10));
            _producer.Dispose();
        }
    }

    /// <summary>A saved message that is back on its topic.</summary>
    public sealed class ResentMessage
    {
        public ResentMessage(string keyFile, string valueFile, string topic, int partition, long offset)
        {
            KeyFile = keyFile;
            ValueFile = valueFile;
            Topic = topic;
            Partition = partition;
            Offset = offset;
        }

        public string KeyFile { get; }

        public string ValueFile { get; }

        public string Topic { get; }

        public int Partition { get; }

        public long Offset { get; }
    }
}
