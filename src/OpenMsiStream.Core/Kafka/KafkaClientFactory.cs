using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Confluent.Kafka;
using OpenMsiStream.Chunks;
using OpenMsiStream.Config;

namespace OpenMsiStream.Kafka
{
    /// <summary>
    /// Builds the Confluent.Kafka clients every program uses, from settings whose every property has
    /// been checked by librdkafka (see <see cref="ClientPropertySet"/>), with librdkafka's log and error
    /// output routed to <see cref="ClientDiagnostics"/> instead of the console.
    /// </summary>
    internal static class KafkaClientFactory
    {
        public const string ClientId = "openmsistream-powershell";
        private const string ProductDefault = "product default";
        private const string Required = "required by OpenMsiStream";

        /// <summary>
        /// librdkafka says when connections fail but not when they come back; its statistics, every 5 s,
        /// tell that a broker is UP again (<see cref="BrokerReachability"/>).
        /// </summary>
        private const string StatisticsIntervalMs = "5000";

        /// <param name="underlay">Settings below the config file's (a KafkaCrypto node's own, for its key exchange): [broker] and [producer] override them.</param>
        public static ClientPropertySet ProducerProperties(KafkaSettings settings, IEnumerable<ConfigEntry>? underlay = null)
        {
            settings.RequireBootstrapServers();
            var properties = new ClientPropertySet();
            properties.Set("client.id", ClientId, ProductDefault);
            // No duplicates on retry, and order kept within a partition.
            properties.Set("enable.idempotence", "true", ProductDefault);
            // librdkafka's default queue is 1 GiB. 32 MiB (64 chunks of 512 KiB) keeps a broker busy even
            // at 100 ms round trips on 1 Gb/s, and keeps a sender's memory independent of the file size.
            properties.Set("queue.buffering.max.kbytes", "32768", ProductDefault);
            properties.Set("statistics.interval.ms", StatisticsIntervalMs, ProductDefault);
            properties.AddEntries(underlay);
            properties.AddSection(settings, KafkaSettings.BrokerSection);
            properties.AddSection(settings, KafkaSettings.ProducerSection);
            properties.Validate();
            return properties;
        }

        /// <param name="underlay">Settings below the config file's (a KafkaCrypto node's own, for its key exchange): [broker] and [consumer] override them.</param>
        public static ClientPropertySet ConsumerProperties(KafkaSettings settings, string groupId, IEnumerable<ConfigEntry>? underlay = null)
        {
            settings.RequireBootstrapServers();
            var properties = new ClientPropertySet();
            properties.Set("client.id", ClientId, ProductDefault);
            properties.Set("auto.offset.reset", "earliest", ProductDefault);
            // A file's chunks all sit on one partition, so a fetch of librdkafka's default 1 MiB per
            // partition brings two chunks per round trip; 8 MiB lets a receiver keep up with a sender
            // (benchmark: 1 GiB file 90 -> 100 MB/s end to end). librdkafka's prefetch queue (64 MiB)
            // still bounds memory; a smaller one halved the throughput.
            properties.Set("max.partition.fetch.bytes", "8388608", ProductDefault);
            // librdkafka waits fetch.queue.backoff.ms (default 1 s) whenever its 64 MiB prefetch queue is
            // full: a receiver that once fell 64 MiB behind a fast sender then fetched at ~64 MB/s for the
            // rest of the file (benchmark: a 1 GiB file finished 5-7 s after its sender instead of 1-2 s).
            properties.Set("fetch.queue.backoff.ms", "10", ProductDefault);
            // librdkafka prefetches up to 100,000 messages per partition (or 64 MiB): a backlog of small
            // files then sat in the receiver's memory, ~1 KB each. 2,000 per partition is still a second
            // of work at thousands of files a second; large chunks reach the 64 MiB bound first.
            properties.Set("queued.min.messages", "2000", ProductDefault);
            properties.Set("statistics.interval.ms", StatisticsIntervalMs, ProductDefault);
            properties.AddEntries(underlay);
            properties.AddSection(settings, KafkaSettings.BrokerSection);
            properties.AddSection(settings, KafkaSettings.ConsumerSection);
            if (properties["auto.offset.reset"] == "none")
            {
                properties.Remove("auto.offset.reset"); // OpenMSIStream's way of saying "no reset policy"
            }
            // Offsets are committed only for chunks that are safely handled; automatic commits would
            // commit chunks of files that were never completed.
            properties.Set("enable.auto.commit", "false", Required);
            properties.Set("enable.auto.offset.store", "false", Required);
            properties.Set("group.id", groupId, Required);
            properties.Validate();
            return properties;
        }

        /// <summary>
        /// For a consumer whose offsets librdkafka commits in the background: the offsets the program
        /// stores (only those of chunks safely handled; offsets are still never stored automatically) are
        /// committed every <c>auto.commit.interval.ms</c>, when partitions are revoked and at close.
        /// See <see cref="Download.GroupOffsetCommitter"/> for why.
        /// </summary>
        public static void CommitStoredOffsetsInBackground(ClientPropertySet properties)
        {
            properties.Set("enable.auto.commit", "true", Required);
            if (properties["auto.commit.interval.ms"] == null)
            {
                // The receiver stores what it may commit every second (ReceiveTimers): a commit as often.
                properties.Set("auto.commit.interval.ms", "1000", ProductDefault);
            }
        }

        /// <summary>
        /// Whether the broker can keep message headers: false when the config names a broker older than
        /// Kafka 0.11 (<c>api.version.request = false</c> with <c>broker.version.fallback</c> below 0.11).
        /// </summary>
        public static bool BrokerKeepsHeaders(ClientPropertySet properties) =>
            !(PinnedBrokerVersion(properties) is Version pinned) || pinned >= new Version(0, 11);

        /// <summary>
        /// The broker version the config pins, as old brokers need: <c>api.version.request = false</c> makes
        /// librdkafka take <c>broker.version.fallback</c> (default 0.10.0) as the broker's version instead of
        /// asking it. Null when the client asks the broker (the default), or the fallback cannot be read.
        /// </summary>
        public static Version? PinnedBrokerVersion(ClientPropertySet properties)
        {
            if (!string.Equals(properties["api.version.request"], "false", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
            return Version.TryParse(properties["broker.version.fallback"] ?? "0.10.0", out Version? version) ? version : new Version(0, 0);
        }

        /// <summary>The largest message the producer will send, for the chunk-size check.</summary>
        public static int MessageMaxBytes(ClientPropertySet producerProperties) =>
            int.TryParse(producerProperties["message.max.bytes"], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
                ? value
                : ChunkSizeRules.DefaultMessageMaxBytes;

        /// <summary>The consumer's session timeout (librdkafka's default 45 s unless configured).</summary>
        public static int SessionTimeoutMs(ClientPropertySet consumerProperties) =>
            int.TryParse(consumerProperties["session.timeout.ms"], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : 45000;

        public static IProducer<byte[], byte[]> BuildProducer(ClientPropertySet properties, ClientDiagnostics diagnostics, PartitionerDelegate? partitioner)
        {
            var config = new ProducerConfig(new ClientConfig(properties.ToDictionary()));
            config.Set("dotnet.producer.delivery.report.fields", "status");
            var builder = new ProducerBuilder<byte[], byte[]>(config)
                .SetErrorHandler((_, error) => OnError(diagnostics, "producer", error))
                .SetStatisticsHandler((_, json) => diagnostics.Reachability.Statistics(json, DateTime.UtcNow))
                .SetLogHandler((_, log) => OnLog(diagnostics, log));
            if (partitioner != null)
            {
                builder.SetDefaultPartitioner(partitioner);
            }
            return Build(builder.Build, "producer", properties);
        }

        public static IConsumer<byte[], byte[]> BuildConsumer(
            ClientPropertySet properties,
            ClientDiagnostics diagnostics,
            Action<IConsumer<byte[], byte[]>, System.Collections.Generic.List<TopicPartition>>? onAssigned,
            Action<IConsumer<byte[], byte[]>, System.Collections.Generic.List<TopicPartitionOffset>>? onRevoked,
            Action<string>? onStatistics = null,
            Action<CommittedOffsets>? onCommitted = null)
        {
            var config = new ConsumerConfig(new ClientConfig(properties.ToDictionary()));
            var builder = new ConsumerBuilder<byte[], byte[]>(config)
                .SetErrorHandler((_, error) => OnError(diagnostics, "consumer", error))
                .SetStatisticsHandler((_, json) =>
                {
                    diagnostics.Reachability.Statistics(json, DateTime.UtcNow);
                    onStatistics?.Invoke(json);
                })
                .SetLogHandler((_, log) => OnLog(diagnostics, log));
            if (onAssigned != null)
            {
                builder.SetPartitionsAssignedHandler(onAssigned);
            }
            if (onRevoked != null)
            {
                builder.SetPartitionsRevokedHandler(onRevoked);
            }
            if (onCommitted != null)
            {
                builder.SetOffsetsCommittedHandler((_, committed) => onCommitted(committed));
            }
            return Build(builder.Build, "consumer", properties);
        }

        public static IAdminClient BuildAdminClient(KafkaSettings settings, ClientDiagnostics diagnostics)
        {
            settings.RequireBootstrapServers();
            var properties = new ClientPropertySet();
            properties.Set("client.id", ClientId, ProductDefault);
            // A check must not change the cluster: asking for a topic's metadata would otherwise create
            // it on brokers that auto-create topics (and on the embedded broker).
            properties.Set("allow.auto.create.topics", "false", ProductDefault);
            properties.AddSection(settings, KafkaSettings.BrokerSection);
            properties.Validate();
            AdminClientBuilder builder = new AdminClientBuilder(new AdminClientConfig(new ClientConfig(properties.ToDictionary())))
                .SetErrorHandler((_, error) => OnError(diagnostics, "admin", error))
                .SetLogHandler((_, log) => OnLog(diagnostics, log));
            return Build(builder.Build, "admin client", properties);
        }

        /// <summary>
        /// librdkafka checks the whole configuration when a client is created (a SASL mechanism without a
        /// password, an ssl.ca.location that does not exist, …) and Confluent.Kafka throws a bare
        /// InvalidOperationException: turn it into the product's configuration error instead of a crash.
        /// </summary>
        private static T Build<T>(Func<T> build, string client, ClientPropertySet properties)
        {
            try
            {
                return build();
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is KafkaException)
            {
                string reason = ex is KafkaException kafka ? kafka.Error.Reason : ex.Message.Trim();
                throw new Diagnostics.OpenMsiStreamException(Diagnostics.ErrorIds.ConfigInvalidProperty,
                    $"The Kafka {client} cannot be created with these settings: {reason}{NamedFiles(reason, properties)}", ex);
            }
        }

        /// <summary>librdkafka names a failing file property but not the file: add it (file paths only, never secrets).</summary>
        private static string NamedFiles(string reason, ClientPropertySet properties)
        {
            var named = properties.Entries
                .Where(e => e.Key.EndsWith(".location", StringComparison.Ordinal) && reason.IndexOf(e.Key, StringComparison.Ordinal) >= 0)
                .Select(e => $"{e.Key} = '{e.Value}' ({e.Origin}){(System.IO.File.Exists(e.Value) || System.IO.Directory.Exists(e.Value) ? string.Empty : ", which does not exist")}")
                .ToList();
            return named.Count == 0 ? string.Empty : " [" + string.Join("; ", named) + "]";
        }

        internal static bool IsAuthenticationError(Error error) =>
            error.Code == ErrorCode.Local_Authentication || error.Code == ErrorCode.SaslAuthenticationFailed
            || error.Reason.IndexOf("SASL authentication", StringComparison.OrdinalIgnoreCase) >= 0;

        private static void OnError(ClientDiagnostics diagnostics, string client, Error error) =>
            diagnostics.RecordError("librdkafka " + client, error.Reason, IsAuthenticationError(error), error.Code == ErrorCode.Local_AllBrokersDown, error.IsFatal,
                isConnectionFailure: error.Code == ErrorCode.Local_Transport || error.Code == ErrorCode.Local_Resolve);

        private static void OnLog(ClientDiagnostics diagnostics, LogMessage log)
        {
            DiagnosticLevel level = log.Level switch
            {
                SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => DiagnosticLevel.Error,
                SyslogLevel.Warning => DiagnosticLevel.Warning,
                SyslogLevel.Notice or SyslogLevel.Info => DiagnosticLevel.Info,
                _ => DiagnosticLevel.Debug,
            };
            diagnostics.Publish(level, "librdkafka " + log.Name, log.Facility + ": " + log.Message);
        }
    }
}
