using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Node;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>
    /// The Kafka settings a KafkaCrypto node's own .config gives its key-exchange clients, read as
    /// kafkacrypto reads them (<c>KafkaCryptoStore.get_kafka_config(use, extra='crypto')</c>):
    /// <c>[&lt;node&gt;-kafka]</c>, then <c>-kafka-&lt;use&gt;</c>, <c>-kafka-crypto</c> and
    /// <c>-kafka-crypto-&lt;use&gt;</c>, where a later section overrides an earlier one and an empty value
    /// in a later section removes the key. Keys are kafka-python's (<c>security_protocol</c>,
    /// <c>ssl_cafile</c>); they are translated to librdkafka's as kafkacrypto's confluent-kafka wrapper
    /// does. Python OpenMSIStream puts the program's <c>[broker]</c> over them, and so do we.
    /// </summary>
    internal sealed class NodeKafkaSettings
    {
        /// <summary>kafkacrypto's CONFIG_MAP, the names both its consumer and producer wrappers translate.</summary>
        private static readonly Dictionary<string, string> Common = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ssl_cafile"] = "ssl.ca.location",
            ["ssl_certfile"] = "ssl.certificate.location",
            ["ssl_keyfile"] = "ssl.key.location",
            ["ssl_crlfile"] = "ssl.crl.location",
            ["ssl_password"] = "ssl.key.password",
            ["ssl_ciphers"] = "ssl.cipher.suites",
            ["bootstrap_servers"] = "bootstrap.servers",
            ["client_id"] = "client.id",
            ["group_id"] = "group.id",
            ["request_timeout_ms"] = "request.timeout.ms",
            ["retry_backoff_ms"] = "retry.backoff.ms",
            ["reconnect_backoff_ms"] = "reconnect.backoff.ms",
            ["reconnect_backoff_max_ms"] = "reconnect.backoff.max.ms",
            ["max_in_flight_requests_per_connection"] = "max.in.flight.requests.per.connection",
            ["metadata_max_age_ms"] = "metadata.max.age.ms",
            ["receive_buffer_bytes"] = "socket.receive.buffer.bytes",
            ["send_buffer_bytes"] = "socket.send.buffer.bytes",
            ["security_protocol"] = "security.protocol",
            ["sasl_mechanism"] = "sasl.mechanism",
            ["sasl_plain_username"] = "sasl.username",
            ["sasl_plain_password"] = "sasl.password",
            ["sasl_kerberos_service_name"] = "sasl.kerberos.service.name",
        };

        private static readonly Dictionary<string, string> ConsumerOnly = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["max_partition_fetch_bytes"] = "message.max.bytes",
            ["fetch_min_bytes"] = "fetch.min.bytes",
            ["fetch_max_wait_ms"] = "fetch.wait.max.ms",
            ["fetch_max_bytes"] = "fetch.max.bytes",
            ["auto_offset_reset"] = "auto.offset.reset",
            ["enable_auto_commit"] = "enable.auto.commit",
            ["auto_commit_interval_ms"] = "auto.commit.interval.ms",
            ["check_crcs"] = "check.crcs",
            ["partition_assignment_strategy"] = "partition.assignment.strategy",
            ["max_poll_interval_ms"] = "max.poll.interval.ms",
            ["session_timeout_ms"] = "session.timeout.ms",
            ["heartbeat_interval_ms"] = "heartbeat.interval.ms",
        };

        private static readonly Dictionary<string, string> ProducerOnly = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["max_request_size"] = "message.max.bytes",
            ["acks"] = "request.required.acks",
            ["compression_type"] = "compression.type",
            ["retries"] = "message.send.max.retries",
            ["linger_ms"] = "queue.buffering.max.ms",
        };

        /// <summary>kafka-python settings with no librdkafka counterpart; kafkacrypto warns and ignores them.</summary>
        private static readonly HashSet<string> Ignored = new HashSet<string>(StringComparer.Ordinal)
        {
            "ssl_context", "socket_options", "default_offset_commit_callback", "consumer_timeout_ms", "ssl_check_hostname", "api_version",
            "api_version_auto_timeout_ms", "connections_max_idle_ms", "metrics_reporters", "metrics_num_samples", "metrics_sample_window_ms",
            "selector", "exclude_internal_topics", "sasl_kerberos_domain_name", "sasl_oauth_token_provider", "batch_size", "partitioner",
            "buffer_memory", "max_block_ms", "max_poll_records", "produce_timeout",
        };

        private NodeKafkaSettings(IReadOnlyList<ConfigEntry> entries, IReadOnlyList<string> ignored)
        {
            Entries = entries;
            IgnoredKeys = ignored;
        }

        /// <summary>librdkafka properties, each with the section and file it came from.</summary>
        public IReadOnlyList<ConfigEntry> Entries { get; }

        /// <summary>Settings kafkacrypto ignores too, for a warning.</summary>
        public IReadOnlyList<string> IgnoredKeys { get; }

        public ConfigEntry? Find(string librdkafkaKey) => Entries.LastOrDefault(e => e.Key == librdkafkaKey);

        /// <summary>The settings for the key-exchange producer (<paramref name="consumer"/> false) or consumer.</summary>
        public static NodeKafkaSettings Read(NodeConfigFile config, string nodeId, bool consumer)
        {
            string use = consumer ? "consumer" : "producer";
            var merged = new Dictionary<string, (string Value, string Section)>(StringComparer.Ordinal);
            string[] sections = { nodeId + "-kafka", nodeId + "-kafka-" + use, nodeId + "-kafka-crypto", nodeId + "-kafka-crypto-" + use };
            for (int i = 0; i < sections.Length; i++)
            {
                foreach (KeyValuePair<string, string> entry in config.Entries(sections[i]))
                {
                    if (i > 0 && entry.Value.Length == 0)
                    {
                        merged.Remove(entry.Key); // kafkacrypto: blank in a later section unsets it
                    }
                    else
                    {
                        merged[entry.Key] = (entry.Value, sections[i]);
                    }
                }
            }
            Dictionary<string, string> only = consumer ? ConsumerOnly : ProducerOnly;
            var entries = new List<ConfigEntry>();
            var ignored = new List<string>();
            foreach (KeyValuePair<string, (string Value, string Section)> setting in merged.Where(m => m.Value.Value.Length > 0))
            {
                if (Ignored.Contains(setting.Key))
                {
                    ignored.Add(setting.Key);
                    continue;
                }
                string key = Common.TryGetValue(setting.Key, out string? common) ? common
                    : only.TryGetValue(setting.Key, out string? specific) ? specific
                    : setting.Key; // passed on as written, as kafkacrypto does; librdkafka names what it does not know
                entries.Add(new ConfigEntry(key, setting.Value.Value, $"[{setting.Value.Section}] in KafkaCrypto node file '{config.Path}'"));
            }
            return new NodeKafkaSettings(entries, ignored);
        }
    }
}
