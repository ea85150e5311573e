using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Config;

namespace OpenMsiStream.Kafka
{
    /// <summary>What a metadata round trip found out about the cluster and, optionally, one topic.</summary>
    internal sealed class ClusterMetadata
    {
        public ClusterMetadata(int brokerCount, string? topic, bool? topicExists, int? partitionCount)
        {
            BrokerCount = brokerCount;
            Topic = topic;
            TopicExists = topicExists;
            PartitionCount = partitionCount;
        }

        public int BrokerCount { get; }

        public string? Topic { get; }

        public bool? TopicExists { get; }

        public int? PartitionCount { get; }
    }

    /// <summary>
    /// Asks the cluster for metadata before any work starts, so an unreachable broker or bad
    /// credentials fail in seconds with a clear message instead of after librdkafka's 5-minute
    /// delivery timeout.
    /// </summary>
    internal static class KafkaConnectionProbe
    {
        public static readonly TimeSpan DefaultTimeout = Defaults.ConnectTimeout;

        /// <summary>
        /// When every broker refused or could not be resolved for this long, the answer is clear and
        /// waiting for the full timeout would only delay it (librdkafka keeps retrying meanwhile).
        /// </summary>
        private static readonly TimeSpan AllBrokersDownGrace = TimeSpan.FromSeconds(3);

        /// <summary>
        /// The probe for a consumer, through an admin client on its handle. A consumer's error callbacks
        /// (the "Connection refused" and "all brokers down" that end the wait early) are served only
        /// while it is polled, so it is polled between the metadata requests; without that an unreachable
        /// broker took the whole timeout (15 s) and was reported as "Broker transport failure".
        /// Call before subscribing or assigning: no message can be consumed then.
        /// </summary>
        public static ClusterMetadata Probe(IConsumer<byte[], byte[]> consumer, string? topic, TimeSpan timeout, KafkaSettings settings, ClientDiagnostics diagnostics, CancellationToken cancellationToken)
        {
            using IAdminClient admin = new DependentAdminClientBuilder(consumer.Handle).Build();
            return Probe(admin, topic, timeout, settings, diagnostics, cancellationToken, () => ServeCallbacks(consumer));
        }

        public static ClusterMetadata Probe(IAdminClient admin, string? topic, TimeSpan timeout, KafkaSettings settings, ClientDiagnostics diagnostics, CancellationToken cancellationToken, Action? serveCallbacks = null)
        {
            var clock = Stopwatch.StartNew();
            Exception? last = null;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Short slices so Ctrl+C is honoured; librdkafka keeps connecting between calls.
                TimeSpan slice = TimeSpan.FromMilliseconds(Math.Max(100, Math.Min(1000, (timeout - clock.Elapsed).TotalMilliseconds)));
                try
                {
                    Metadata metadata = topic == null ? admin.GetMetadata(slice) : admin.GetMetadata(topic, slice);
                    if (diagnostics.LastErrorWasAuthentication)
                    {
                        throw KafkaErrors.NoAnswer(settings, diagnostics, null);
                    }
                    if (topic == null)
                    {
                        return new ClusterMetadata(metadata.Brokers.Count, null, null, null);
                    }
                    TopicMetadata? found = metadata.Topics.FirstOrDefault(t => t.Topic == topic);
                    bool exists = found != null && found.Error.Code == ErrorCode.NoError && found.Partitions.Count > 0;
                    if (found != null && !exists && found.Error.Code != ErrorCode.UnknownTopicOrPart && found.Error.Code != ErrorCode.Local_UnknownTopic
                        && found.Error.Code != ErrorCode.LeaderNotAvailable)
                    {
                        throw KafkaErrors.From(found.Error, $"Asking for topic '{topic}'", settings, diagnostics, topic);
                    }
                    return new ClusterMetadata(metadata.Brokers.Count, topic, exists, exists ? found!.Partitions.Count : (int?)null);
                }
                catch (KafkaException ex)
                {
                    last = ex;
                    if (diagnostics.LastErrorWasAuthentication)
                    {
                        throw KafkaErrors.NoAnswer(settings, diagnostics, ex);
                    }
                }
                serveCallbacks?.Invoke();
                if (clock.Elapsed >= timeout || (diagnostics.AllBrokersDown && clock.Elapsed >= AllBrokersDownGrace))
                {
                    throw KafkaErrors.NoAnswer(settings, diagnostics, last);
                }
            }
        }

        private static void ServeCallbacks(IConsumer<byte[], byte[]> consumer)
        {
            try
            {
                consumer.Consume(TimeSpan.Zero);
            }
            catch (ConsumeException)
            {
                // Errors reach the error handler (and so the diagnostics) as well; the probe decides.
            }
        }
    }
}
