using System;
using System.Diagnostics;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Kafka
{
    /// <summary>The answer to "can this computer talk to the broker (and see the topic)?".</summary>
    public sealed class ConnectionReport
    {
        public ConnectionReport(string bootstrapServers, bool success, int brokerCount, string? topic, bool? topicExists, int? partitionCount, string? errorId, string message, TimeSpan elapsed)
        {
            BootstrapServers = bootstrapServers;
            Success = success;
            BrokerCount = brokerCount;
            Topic = topic;
            TopicExists = topicExists;
            PartitionCount = partitionCount;
            ErrorId = errorId;
            Message = message;
            Elapsed = elapsed;
        }

        public string BootstrapServers { get; }

        public bool Success { get; }

        public int BrokerCount { get; }

        public string? Topic { get; }

        public bool? TopicExists { get; }

        public int? PartitionCount { get; }

        /// <summary>Stable id of the failure (BrokerUnreachable, AuthenticationFailed, …), null on success.</summary>
        public string? ErrorId { get; }

        public string Message { get; }

        public TimeSpan Elapsed { get; }
    }

    /// <summary>Checks reachability and authentication with one metadata round trip.</summary>
    public static class ConnectionTester
    {
        public static ConnectionReport Test(KafkaSettings settings, string? topic, TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (topic != null)
            {
                TopicName.Validate(topic);
            }
            var clock = Stopwatch.StartNew();
            string servers = settings.RequireBootstrapServers();
            var diagnostics = new ClientDiagnostics();
            try
            {
                using IAdminClient admin = KafkaClientFactory.BuildAdminClient(settings, diagnostics);
                ClusterMetadata metadata = KafkaConnectionProbe.Probe(admin, topic, timeout, settings, diagnostics, cancellationToken);
                string message = $"Connected to {servers}: {metadata.BrokerCount} broker{(metadata.BrokerCount == 1 ? "" : "s")}" +
                    (topic == null ? "." : metadata.TopicExists == true ? $"; topic '{topic}' has {metadata.PartitionCount} partitions." : $"; topic '{topic}' does not exist yet.");
                return new ConnectionReport(servers, true, metadata.BrokerCount, topic, metadata.TopicExists, metadata.PartitionCount, null, message, clock.Elapsed);
            }
            catch (OpenMsiStreamException ex) when (ex.ErrorId != ErrorIds.ConfigInvalidProperty)
            {
                return new ConnectionReport(servers, false, 0, topic, null, null, ex.ErrorId, ex.Message, clock.Elapsed);
            }
        }
    }
}
