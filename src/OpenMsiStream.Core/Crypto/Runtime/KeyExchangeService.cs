using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Exchange;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Crypto.Primitives;
using OpenMsiStream.Crypto.Trust;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>
    /// KafkaCrypto's management loop on Confluent.Kafka: answers key requests on <c>&lt;root&gt;.reqs</c>
    /// for the roots this node produces to, asks for missing keys on <c>&lt;root&gt;.subs</c> and
    /// <c>&lt;root&gt;.reqs</c>, and installs the answers read from <c>&lt;root&gt;.keys</c>. Management
    /// topics are read and written on partition 0 only, as KafkaCrypto does. One thread; a failure in one
    /// round is reported and the loop goes on (KafkaCrypto's thread could die on one).
    /// </summary>
    internal sealed class KeyExchangeService : IDisposable
    {
        private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(100);
        private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);
        private static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(5);
        private static readonly TimeSpan RepeatedWarningInterval = TimeSpan.FromMinutes(1);
        private string? _lastWarning;
        private DateTime _lastWarningAt;
        private const string Source = "kafkacrypto";

        private readonly KafkaSettings _settings;
        private readonly CryptoNodeFiles _node;
        private readonly KeyRing _ring;
        private readonly ClientDiagnostics _diagnostics;
        private readonly Func<double> _now;
        private readonly TrustStore _trust;
        private readonly byte[] _signingKey;
        private readonly WantedKeys _wanted = new WantedKeys();
        private readonly OutstandingRequests _outstanding = new OutstandingRequests();
        private readonly ConcurrentQueue<string> _topicsToRead = new ConcurrentQueue<string>();
        private readonly Dictionary<string, Offset> _assigned = new Dictionary<string, Offset>(StringComparer.Ordinal);
        private readonly List<string> _pendingTopics = new List<string>();
        private readonly HashSet<string> _ensuredTopics = new HashSet<string>(StringComparer.Ordinal);
        private readonly AutoResetEvent _wake = new AutoResetEvent(false);
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly IProducer<byte[], byte[]> _producer;
        private readonly IConsumer<byte[], byte[]> _consumer;
        private readonly Thread _thread;
        private readonly Action? _onRound;

        public KeyExchangeService(KafkaSettings settings, CryptoNodeFiles node, KeyRing ring, ClientDiagnostics diagnostics, Func<double> now, Action? onRound = null)
        {
            _settings = settings;
            _node = node;
            _ring = ring;
            _diagnostics = diagnostics;
            _now = now;
            _onRound = onRound;
            _trust = new TrustStore(node.Allowlist, node.Denylist);
            _signingKey = node.SigningKeys.First(k => k.Type == 1).SecretKey;
            NodeKafkaSettings producerSettings = NodeKafkaSettings.Read(node.Config, node.NodeId, consumer: false);
            NodeKafkaSettings consumerSettings = NodeKafkaSettings.Read(node.Config, node.NodeId, consumer: true);
            ClientPropertySet producerProperties = KafkaClientFactory.ProducerProperties(settings, producerSettings.Entries);
            ClientPropertySet consumerProperties = KafkaClientFactory.ConsumerProperties(settings,
                consumerSettings.Find("group.id")?.Value ?? node.NodeId + ".kafkacrypto", consumerSettings.Entries);
            KeyExchangeSettingsCheck.RequireSameProtocol(settings, node, consumerProperties);
            foreach (string ignored in producerSettings.IgnoredKeys.Union(consumerSettings.IgnoredKeys))
            {
                diagnostics.Publish(DiagnosticLevel.Warning, "kafkacrypto", $"'{ignored}' in KafkaCrypto node file '{node.ConfigPath}' has no librdkafka counterpart and is ignored, as kafkacrypto ignores it.");
            }
            _producer = KafkaClientFactory.BuildProducer(producerProperties, diagnostics, partitioner: null);
            _consumer = KafkaClientFactory.BuildConsumer(consumerProperties, diagnostics, onAssigned: null, onRevoked: null);
            _thread = new Thread(Run) { IsBackground = true, Name = "kafkacrypto " + node.NodeId };
            _thread.Start();
        }

        /// <summary>Starts answering requests for <paramref name="root"/> (this node produces to it).</summary>
        public void Serve(string root)
        {
            _topicsToRead.Enqueue(root + _node.RequestsSuffix);
            _wake.Set();
        }

        /// <summary>Asks for the key <paramref name="keyIndex"/> of <paramref name="root"/> as soon as possible.</summary>
        public void Request(string root, Data.KeyIndex keyIndex)
        {
            _wanted.Want(root, keyIndex, DateTime.UtcNow);
            _topicsToRead.Enqueue(root + _node.KeysSuffix);
            _wake.Set();
        }

        private void Run()
        {
            CancellationToken stopping = _stop.Token;
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    AssignNewTopics(stopping);
                    SendDueRequests();
                    ReadManagementMessages(stopping);
                    _onRound?.Invoke();
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    Warn($"Key exchange of node '{_node.NodeId}': {ex.Message}");
                    stopping.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
                }
            }
        }

        /// <summary>
        /// New management partitions start at their current end, read as an explicit offset before anything
        /// is sent, so that no answer to our own request can slip in between. KafkaCrypto uses "latest" too;
        /// requests written before a producer starts listening are recovered by the requester's retry.
        /// </summary>
        private void AssignNewTopics(CancellationToken stopping)
        {
            while (_topicsToRead.TryDequeue(out string? topic))
            {
                if (!_assigned.ContainsKey(topic))
                {
                    _pendingTopics.Add(topic);
                }
            }
            bool changed = false;
            try
            {
                foreach (string topic in _pendingTopics.ToList())
                {
                    stopping.ThrowIfCancellationRequested();
                    EnsureTopics(TopicKeysFor(topic));
                    var partition = new TopicPartition(topic, new Partition(0));
                    WatermarkOffsets marks = _consumer.QueryWatermarkOffsets(partition, MetadataTimeout); // throws: tried again next round
                    _assigned[topic] = marks.High;
                    _pendingTopics.Remove(topic);
                    changed = true;
                }
            }
            finally
            {
                if (changed)
                {
                    Reassign();
                }
            }
        }

        private void Reassign()
        {
            {
                _consumer.Assign(_assigned.Select(a =>
                {
                    var partition = new TopicPartition(a.Key, new Partition(0));
                    Offset position = SafePosition(partition);
                    return new TopicPartitionOffset(partition, position == Offset.Unset ? a.Value : position);
                }).ToList());
            }
        }

        private Offset SafePosition(TopicPartition partition)
        {
            try
            {
                return _consumer.Position(partition);
            }
            catch (KafkaException)
            {
                return Offset.Unset;
            }
        }

        /// <summary>The three per-root management topics, for the root a management topic belongs to.</summary>
        private IEnumerable<string> TopicKeysFor(string managementTopic)
        {
            string root = managementTopic.EndsWith(_node.RequestsSuffix, StringComparison.Ordinal)
                ? managementTopic.Substring(0, managementTopic.Length - _node.RequestsSuffix.Length)
                : managementTopic.Substring(0, managementTopic.Length - _node.KeysSuffix.Length);
            return new[] { root + _node.RequestsSuffix, root + _node.KeysSuffix, root + _node.SubscriptionsSuffix };
        }

        /// <summary>
        /// Creates missing management topics with one partition (KafkaCrypto reads only partition 0). A broker
        /// that refuses (no permission, or too old for CreateTopics) may still create them on first use.
        /// </summary>
        private void EnsureTopics(IEnumerable<string> topics)
        {
            List<string> wanted = topics.Where(t => !_ensuredTopics.Contains(t)).ToList();
            if (wanted.Count == 0)
            {
                return;
            }
            using IAdminClient admin = new DependentAdminClientBuilder(_producer.Handle).Build();
            Metadata metadata = admin.GetMetadata(MetadataTimeout);
            var existing = new HashSet<string>(metadata.Topics.Where(t => !t.Error.IsError).Select(t => t.Topic), StringComparer.Ordinal);
            List<TopicSpecification> missing = wanted.Where(t => !existing.Contains(t))
                .Select(t => new TopicSpecification { Name = t, NumPartitions = 1, ReplicationFactor = -1 }).ToList();
            if (missing.Count > 0)
            {
                try
                {
                    admin.CreateTopicsAsync(missing, new CreateTopicsOptions { RequestTimeout = CreateTimeout, OperationTimeout = CreateTimeout }).GetAwaiter().GetResult();
                    _diagnostics.Publish(DiagnosticLevel.Info, Source, $"Created key-exchange topics {string.Join(", ", missing.Select(m => m.Name))}.");
                }
                catch (CreateTopicsException ex)
                {
                    foreach (CreateTopicReport report in ex.Results.Where(r => r.Error.IsError && r.Error.Code != ErrorCode.TopicAlreadyExists))
                    {
                        _diagnostics.Publish(DiagnosticLevel.Warning, Source, $"Could not create key-exchange topic '{report.Topic}' ({report.Error.Reason}); it must exist with one partition.");
                    }
                }
                catch (KafkaException ex)
                {
                    _diagnostics.Publish(DiagnosticLevel.Warning, Source, $"Could not create key-exchange topics ({ex.Error.Reason}); they must exist with one partition.");
                }
            }
            foreach (TopicSpecification topic in missing)
            {
                // Brokers that auto-create topics (and the embedded broker) do so on a producer's metadata request.
                try
                {
                    admin.GetMetadata(topic.Name, CreateTimeout);
                }
                catch (KafkaException)
                {
                    // reported when the topic is read
                }
            }
            foreach (string topic in wanted)
            {
                _ensuredTopics.Add(topic);
            }
        }

        private void SendDueRequests()
        {
            DateTime utcNow = DateTime.UtcNow;
            foreach ((string root, IReadOnlyList<Data.KeyIndex> wanted) in _wanted.TakeDue(utcNow, TimeSpan.FromSeconds(_node.SubscriptionInterval)))
            {
                if (!_assigned.ContainsKey(root + _node.KeysSuffix))
                {
                    continue; // assigned on the next round, before the request goes out
                }
                byte[] ephemeralSecret = SodiumPrimitives.Random(32);
                byte[] random0 = SodiumPrimitives.Random(32);
                double now = _now();
                ExchangeMessage request = KeyExchange.BuildRequest(root, wanted, _signingKey, _node.ChainElements, now + _node.MaxAge, ephemeralSecret, random0);
                _outstanding.Add(random0, ephemeralSecret);
                Produce(root + _node.SubscriptionsSuffix, request);
                if (ChainValidator.Validate(_node.ChainElements, root, "key-encrypt-request", _trust, now).IsValid)
                {
                    Produce(root + _node.RequestsSuffix, request);
                }
                _producer.Flush(TimeSpan.FromSeconds(2));
                _diagnostics.Publish(DiagnosticLevel.Info, Source, $"Node '{_node.NodeId}' asked for {wanted.Count} key(s) of root '{root}'.");
            }
        }

        private void ReadManagementMessages(CancellationToken stopping)
        {
            if (_assigned.Count == 0)
            {
                WaitHandle.WaitAny(new[] { _wake, stopping.WaitHandle }, PollSlice);
                return;
            }
            for (int n = 0; n < 16 && !stopping.IsCancellationRequested; n++)
            {
                ConsumeResult<byte[], byte[]>? result;
                try
                {
                    result = _consumer.Consume(n == 0 ? PollSlice : TimeSpan.Zero);
                }
                catch (ConsumeException ex) when (!ex.Error.IsFatal)
                {
                    _diagnostics.Publish(DiagnosticLevel.Debug, Source, $"Reading key-exchange topics: {ex.Error.Reason}");
                    return;
                }
                if (result?.Message == null)
                {
                    return;
                }
                string topic = result.Topic;
                byte[] key = result.Message.Key ?? Array.Empty<byte>();
                byte[] value = result.Message.Value ?? Array.Empty<byte>();
                if (topic.EndsWith(_node.RequestsSuffix, StringComparison.Ordinal))
                {
                    Answer(topic.Substring(0, topic.Length - _node.RequestsSuffix.Length), key, value);
                }
                else if (topic.EndsWith(_node.KeysSuffix, StringComparison.Ordinal))
                {
                    Install(topic.Substring(0, topic.Length - _node.KeysSuffix.Length), key, value);
                }
            }
        }

        private void Answer(string root, byte[] key, byte[] value)
        {
            double now = _now();
            if (!KeyExchange.TryReadRequest(root, key, value, _trust, now, out KeyRequest? request, out string reason))
            {
                _diagnostics.Publish(DiagnosticLevel.Warning, Source, $"Node '{_node.NodeId}' ignored a key request on '{root}{_node.RequestsSuffix}': {reason}");
                return;
            }
            IReadOnlyList<(Data.KeyIndex KeyIndex, byte[] Secret)> held = _ring.OwnKeysFor(root, request!.Wanted);
            if (held.Count == 0)
            {
                return; // asks for another producer's keys
            }
            ExchangeMessage response = KeyExchange.BuildResponse(root, held, request, _signingKey, _node.ChainElements, now + _node.MaxAge,
                SodiumPrimitives.Random(32), SodiumPrimitives.Random(32), SodiumPrimitives.Random(24));
            Produce(root + _node.KeysSuffix, response);
            _producer.Flush(TimeSpan.FromSeconds(2));
            _diagnostics.Publish(DiagnosticLevel.Info, Source, $"Node '{_node.NodeId}' sent {held.Count} key(s) of root '{root}' in answer to a key request.");
        }

        private void Install(string root, byte[] key, byte[] value)
        {
            if (!KeyExchange.TryOpenResponse(root, key, value, _trust, _now(), _outstanding.Find,
                    out IReadOnlyList<(Data.KeyIndex KeyIndex, byte[] Secret)> keys, out byte[]? random0, out string reason))
            {
                // Answers to other consumers' requests are normal traffic on a shared .keys topic.
                _diagnostics.Publish(DiagnosticLevel.Debug, Source, $"Node '{_node.NodeId}' skipped a message on '{root}{_node.KeysSuffix}': {reason}");
                return;
            }
            _outstanding.Remove(random0!);
            foreach ((Data.KeyIndex keyIndex, byte[] secret) in keys)
            {
                _ring.AddReceived(root, keyIndex, secret);
                _wanted.Received(root, keyIndex);
            }
            _diagnostics.Publish(DiagnosticLevel.Info, Source, $"Node '{_node.NodeId}' received {keys.Count} key(s) of root '{root}'.");
        }

        private void Produce(string topic, ExchangeMessage message)
        {
            _producer.Produce(new TopicPartition(topic, new Partition(0)), new Message<byte[], byte[]> { Key = message.Key, Value = message.Value }, report =>
            {
                if (report.Error.IsError)
                {
                    _diagnostics.Publish(DiagnosticLevel.Warning, Source, $"A key-exchange message to '{topic}' was not delivered: {report.Error.Reason}");
                }
            });
        }

        /// <summary>A failing round repeats every second; the same warning is reported once a minute.</summary>
        private void Warn(string text)
        {
            if (text == _lastWarning && DateTime.UtcNow - _lastWarningAt < RepeatedWarningInterval)
            {
                return;
            }
            _lastWarning = text;
            _lastWarningAt = DateTime.UtcNow;
            _diagnostics.Publish(DiagnosticLevel.Warning, Source, text);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _wake.Set();
            if (!_thread.Join(TimeSpan.FromSeconds(30)))
            {
                // Stuck in a broker call: leave the clients to the finalizers rather than pull them from under it.
                _diagnostics.Publish(DiagnosticLevel.Warning, Source, $"The key exchange of node '{_node.NodeId}' did not stop within 30 s.");
                return;
            }
            _producer.Flush(TimeSpan.FromSeconds(5));
            _consumer.Close();
            _consumer.Dispose();
            _producer.Dispose();
            _wake.Dispose();
            _stop.Dispose();
        }
    }
}
