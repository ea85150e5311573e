using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Messaging;

namespace OpenMsiStream.Monitoring
{
    /// <summary>What to read from a heartbeat topic and when to stop.</summary>
    public sealed class HeartbeatReadOptions
    {
        public HeartbeatReadOptions(string topic)
        {
            TopicName.Validate(topic);
            Topic = topic;
        }

        public string Topic { get; }

        /// <summary>Only programs whose id this accepts; all when null.</summary>
        public Func<string, bool>? ProgramFilter { get; set; }

        /// <summary>Start at heartbeats sent at or after this time; null: from the oldest one the broker keeps.</summary>
        public DateTimeOffset? Since { get; set; }

        /// <summary>Only heartbeats sent from now on.</summary>
        public bool NewOnly { get; set; }

        public int? Count { get; set; }

        /// <summary>Stop when nothing arrived for this long (none: until cancelled).</summary>
        public TimeSpan? IdleTimeout { get; set; }

        public TimeSpan ConnectTimeout { get; set; } = KafkaConnectionProbe.DefaultTimeout;
    }

    /// <summary>
    /// Reads heartbeats back from their topic. It assigns every partition itself rather than joining a
    /// consumer group: a watcher commits nothing, disturbs no one and starts reading at once.
    /// </summary>
    public sealed class HeartbeatReader
    {
        private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(200);
        private readonly KafkaSettings _settings;
        private readonly HeartbeatReadOptions _options;
        private readonly ClientDiagnostics _diagnostics;

        public HeartbeatReader(KafkaSettings settings, HeartbeatReadOptions options, ClientDiagnostics diagnostics)
        {
            _settings = settings;
            _options = options;
            _diagnostics = diagnostics;
        }

        /// <summary>Calls <paramref name="onHeartbeat"/> for each heartbeat and <paramref name="onInvalid"/> for each unreadable one, in topic order per partition.</summary>
        public int Run(Action<Heartbeat> onHeartbeat, Action<OpenMsiStreamException> onInvalid, CancellationToken cancellationToken) =>
            Read(onHeartbeat, onInvalid, stopAtEnd: false, cancellationToken);

        /// <summary>
        /// The newest heartbeat of each program among those the topic holds now, by program id: the
        /// quick "is everything alive" answer. Stops once it has read what the topic held when it began.
        /// </summary>
        public IReadOnlyList<Heartbeat> Latest(Action<OpenMsiStreamException> onInvalid, CancellationToken cancellationToken)
        {
            var newest = new Dictionary<string, Heartbeat>(StringComparer.Ordinal);
            Read(heartbeat =>
            {
                if (!newest.TryGetValue(heartbeat.ProgramId, out Heartbeat? seen) || seen.Timestamp <= heartbeat.Timestamp)
                {
                    newest[heartbeat.ProgramId] = heartbeat;
                }
            }, onInvalid, stopAtEnd: true, cancellationToken);
            return newest.Values.OrderBy(h => h.ProgramId, StringComparer.Ordinal).ToList();
        }

        private int Read(Action<Heartbeat> onHeartbeat, Action<OpenMsiStreamException> onInvalid, bool stopAtEnd, CancellationToken cancellationToken)
        {
            // Heartbeats are small and frequent: the shorter wait for keys. Disposed after the consumer.
            using ConsumerDecryption? decryptor = SecureMessaging.Decryption(_settings, _diagnostics);
            ClientPropertySet properties = KafkaClientFactory.ConsumerProperties(_settings, "openmsistream-heartbeat-reader");
            using IConsumer<byte[], byte[]> consumer = KafkaClientFactory.BuildConsumer(properties, _diagnostics, onAssigned: null, onRevoked: null);
            int partitions = PartitionCount(consumer, cancellationToken);
            List<TopicPartitionOffset> starts = StartOffsets(consumer, partitions);
            consumer.Assign(starts);
            Dictionary<int, long> ends = stopAtEnd ? EndOffsets(consumer, starts) : new Dictionary<int, long>();
            var clock = Stopwatch.StartNew();
            TimeSpan lastActivity = TimeSpan.Zero;
            int delivered = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                if (_options.Count is int count && delivered >= count)
                {
                    break;
                }
                if (stopAtEnd && ends.Count == 0)
                {
                    break;
                }
                if (_options.IdleTimeout is TimeSpan idle && clock.Elapsed - lastActivity >= idle)
                {
                    break;
                }
                ConsumeResult<byte[], byte[]>? result = consumer.Consume(PollSlice);
                if (result?.Message == null)
                {
                    continue;
                }
                lastActivity = clock.Elapsed;
                if (ends.TryGetValue(result.Partition.Value, out long end) && result.Offset.Value + 1 >= end)
                {
                    ends.Remove(result.Partition.Value); // read up to where the topic ended when we began
                }
                byte[]? key = result.Message.Key, value = result.Message.Value;
                if (decryptor != null)
                {
                    Crypto.Runtime.DecryptedMessage decrypted = decryptor.Decrypt(result.Topic, key, value, cancellationToken);
                    if (!decrypted.Succeeded)
                    {
                        onInvalid(new OpenMsiStreamException(ErrorIds.UndecryptableMessage,
                            $"The message at {result.Topic}[{result.Partition.Value}]@{result.Offset.Value} could not be decrypted by KafkaCrypto node '{decryptor.NodeId}': {decrypted.Failure}."));
                        continue;
                    }
                    key = decrypted.Key;
                    value = decrypted.Value;
                }
                string? programId = Heartbeat.ProgramIdOf(key);
                if (programId == null || (_options.ProgramFilter != null && !_options.ProgramFilter(programId)))
                {
                    continue;
                }
                try
                {
                    onHeartbeat(Heartbeat.Parse(programId, value ?? Array.Empty<byte>(), result.Topic, result.Partition.Value, result.Offset.Value, DateTimeOffset.UtcNow));
                    delivered++;
                }
                catch (FormatException ex)
                {
                    onInvalid(new OpenMsiStreamException(ErrorIds.InvalidHeartbeat,
                        $"The heartbeat of '{programId}' at {result.Topic}[{result.Partition.Value}]@{result.Offset.Value} cannot be read: {ex.Message}.", target: programId));
                }
            }
            consumer.Close();
            return delivered;
        }

        private int PartitionCount(IConsumer<byte[], byte[]> consumer, CancellationToken cancellationToken)
        {
            ClusterMetadata metadata = KafkaConnectionProbe.Probe(consumer, _options.Topic, _options.ConnectTimeout, _settings, _diagnostics, cancellationToken);
            if (metadata.TopicExists != true)
            {
                throw new OpenMsiStreamException(ErrorIds.TopicNotFound,
                    $"Topic '{_options.Topic}' does not exist on {_settings.BootstrapServers}: no program has sent heartbeats to it yet.", target: _options.Topic);
            }
            return metadata.PartitionCount!.Value;
        }

        /// <summary>
        /// Where reading must get to in each partition: its high watermark now. Empty partitions and
        /// those starting at their end are left out, since nothing will arrive from them to mark progress.
        /// </summary>
        private Dictionary<int, long> EndOffsets(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> starts)
        {
            var ends = new Dictionary<int, long>();
            foreach (TopicPartitionOffset start in starts)
            {
                WatermarkOffsets marks = consumer.QueryWatermarkOffsets(start.TopicPartition, _options.ConnectTimeout);
                long from = start.Offset == Offset.Beginning ? marks.Low.Value : start.Offset == Offset.End ? marks.High.Value : start.Offset.Value;
                if (from < marks.High.Value)
                {
                    ends[start.Partition.Value] = marks.High.Value;
                }
            }
            return ends;
        }

        private List<TopicPartitionOffset> StartOffsets(IConsumer<byte[], byte[]> consumer, int partitions)
        {
            IEnumerable<TopicPartition> all = Enumerable.Range(0, partitions).Select(p => new TopicPartition(_options.Topic, new Partition(p)));
            if (_options.NewOnly)
            {
                return all.Select(p => new TopicPartitionOffset(p, Offset.End)).ToList();
            }
            if (_options.Since is DateTimeOffset since)
            {
                var stamp = new Timestamp(since.UtcDateTime, TimestampType.CreateTime);
                return consumer.OffsetsForTimes(all.Select(p => new TopicPartitionTimestamp(p, stamp)), _options.ConnectTimeout)
                    .Select(found => new TopicPartitionOffset(found.TopicPartition, found.Offset.Value < 0 ? Offset.End : found.Offset)).ToList();
            }
            return all.Select(p => new TopicPartitionOffset(p, Offset.Beginning)).ToList();
        }
    }
}
