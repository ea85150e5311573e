using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Runtime;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Messaging;

namespace OpenMsiStream.Inspection
{
    /// <summary>One message read by a <see cref="TopicScanner"/>, decrypted when a KafkaCrypto node is configured.</summary>
    public sealed class ScannedMessage
    {
        internal ScannedMessage(int partition, long offset, byte[]? key, byte[]? value, Headers? headers, DateTime? sentAtUtc, int wireBytes, string? undecryptable)
        {
            Partition = partition;
            Offset = offset;
            Key = key;
            Value = value;
            Headers = headers;
            SentAtUtc = sentAtUtc;
            WireBytes = wireBytes;
            Undecryptable = undecryptable;
        }

        public int Partition { get; }

        public long Offset { get; }

        public byte[]? Key { get; }

        public byte[]? Value { get; }

        internal Headers? Headers { get; }

        public DateTime? SentAtUtc { get; }

        /// <summary>Size of the key and value as the broker holds them (before decryption).</summary>
        public int WireBytes { get; }

        /// <summary>Why the message could not be decrypted, or null.</summary>
        public string? Undecryptable { get; }
    }

    /// <summary>
    /// Reads a topic from given offsets up to where each partition ended when the scan began, without
    /// joining a consumer group: it commits nothing and disturbs no consumer. Used to take stock of a
    /// topic (the files on it) and of a group's backlog (its lag).
    /// </summary>
    internal sealed class TopicScanner : IDisposable
    {
        private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(200);
        private readonly KafkaSettings _settings;
        private readonly string _topic;
        private readonly ClientDiagnostics _diagnostics;
        private readonly TimeSpan _timeout;
        private readonly IConsumer<byte[], byte[]> _consumer;
        private readonly ConsumerDecryption? _decryptor;

        public TopicScanner(KafkaSettings settings, string topic, ClientDiagnostics diagnostics, TimeSpan timeout, DecryptionOptions? decryption = null)
        {
            TopicName.Validate(topic);
            _settings = settings;
            _topic = topic;
            _diagnostics = diagnostics;
            _timeout = timeout;
            _consumer = KafkaClientFactory.BuildConsumer(KafkaClientFactory.ConsumerProperties(settings, "openmsistream-scan"), diagnostics, onAssigned: null, onRevoked: null);
            try
            {
                _decryptor = SecureMessaging.Decryption(settings, diagnostics, decryption);
            }
            catch
            {
                _consumer.Dispose();
                throw;
            }
        }

        /// <summary>The partitions' low and high watermarks when <see cref="Partitions"/> was first asked.</summary>
        public IReadOnlyDictionary<int, WatermarkOffsets> Partitions(CancellationToken cancellationToken)
        {
            ClusterMetadata metadata = KafkaConnectionProbe.Probe(_consumer, _topic, _timeout, _settings, _diagnostics, cancellationToken);
            if (metadata.TopicExists != true)
            {
                throw new OpenMsiStreamException(ErrorIds.TopicNotFound,
                    $"Topic '{_topic}' does not exist on {_settings.BootstrapServers}.", target: _topic);
            }
            return Enumerable.Range(0, metadata.PartitionCount!.Value).ToDictionary(p => p, p => _consumer.QueryWatermarkOffsets(new TopicPartition(_topic, new Partition(p)), _timeout));
        }

        /// <summary>
        /// Every message from <paramref name="starts"/> (partition → first offset) up to the partition's
        /// high watermark in <paramref name="ends"/>, in offset order per partition.
        /// </summary>
        public IEnumerable<ScannedMessage> Read(IReadOnlyDictionary<int, long> starts, IReadOnlyDictionary<int, WatermarkOffsets> ends, CancellationToken cancellationToken)
        {
            var remaining = starts.Where(s => ends.TryGetValue(s.Key, out WatermarkOffsets marks) && s.Value < marks.High.Value)
                .ToDictionary(s => s.Key, s => ends[s.Key].High.Value);
            if (remaining.Count == 0)
            {
                yield break;
            }
            _consumer.Assign(remaining.Keys.Select(p => new TopicPartitionOffset(_topic, new Partition(p), new Offset(Math.Max(starts[p], ends[p].Low.Value)))));
            var quiet = Stopwatch.StartNew();
            while (remaining.Count > 0 && !cancellationToken.IsCancellationRequested)
            {
                ConsumeResult<byte[], byte[]>? result = _consumer.Consume(PollSlice);
                if (result?.Message == null)
                {
                    // Offsets that hold no message (transaction markers, compaction) never arrive: the
                    // consumer's position says the partition is done.
                    foreach (int partition in remaining.Keys.ToList())
                    {
                        Offset position = _consumer.Position(new TopicPartition(_topic, new Partition(partition)));
                        if (position.Value >= remaining[partition])
                        {
                            remaining.Remove(partition);
                        }
                    }
                    if (quiet.Elapsed > _timeout && remaining.Count > 0)
                    {
                        throw new OpenMsiStreamException(ErrorIds.BrokerUnreachable,
                            $"Reading topic '{_topic}' stopped arriving before its end (partitions {string.Join(", ", remaining.Keys)}): {_diagnostics.LastErrorReason ?? "no reason given"}.", target: _topic);
                    }
                    continue;
                }
                quiet.Restart();
                int p = result.Partition.Value;
                if (remaining.TryGetValue(p, out long end) && result.Offset.Value + 1 >= end)
                {
                    remaining.Remove(p);
                }
                yield return Decrypt(result);
            }
        }

        public void Dispose()
        {
            _consumer.Close();
            _consumer.Dispose();
            _decryptor?.Dispose();
        }

        private ScannedMessage Decrypt(ConsumeResult<byte[], byte[]> result)
        {
            Message<byte[], byte[]> message = result.Message;
            int wire = (message.Key?.Length ?? 0) + (message.Value?.Length ?? 0);
            DateTime? sentAt = message.Timestamp.Type == TimestampType.NotAvailable ? (DateTime?)null : message.Timestamp.UtcDateTime;
            if (_decryptor == null)
            {
                return new ScannedMessage(result.Partition.Value, result.Offset.Value, message.Key, message.Value, message.Headers, sentAt, wire, null);
            }
            DecryptedMessage decrypted = _decryptor.Decrypt(_topic, message.Key, message.Value, CancellationToken.None);
            return decrypted.Succeeded
                ? new ScannedMessage(result.Partition.Value, result.Offset.Value, decrypted.Key, decrypted.Value, message.Headers, sentAt, wire, null)
                : new ScannedMessage(result.Partition.Value, result.Offset.Value, null, null, message.Headers, sentAt, wire, decrypted.Failure);
        }
    }
}
