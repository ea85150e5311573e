using System;
using System.Text;
using OpenMsiStream.Config;
using OpenMsiStream.Native;

namespace OpenMsiStream.Kafka
{
    /// <summary>
    /// Which cluster the settings point at, from the brokers' metadata: needed where a cluster must be
    /// told apart from librdkafka's mock cluster (the embedded broker), on which some admin requests are
    /// unsupported and, in librdkafka 2.16, crash the process on their error path (listing groups).
    /// </summary>
    internal static class ClusterIdentity
    {
        /// <summary>The id librdkafka's mock cluster gives itself: "mockCluster" and a number.</summary>
        private const string MockClusterPrefix = "mockCluster";

        /// <summary>The cluster id, or null when the brokers do not say (Kafka before 0.10.1) or do not answer in time.</summary>
        public static string? Read(KafkaSettings settings, TimeSpan timeout)
        {
            NativeLibraryResolver.EnsureInstalled();
            IntPtr conf = LibRdKafkaNative.rd_kafka_conf_new();
            var error = new StringBuilder(512);
            foreach (var entry in KafkaClientFactory.ProducerProperties(settings).Entries)
            {
                LibRdKafkaNative.rd_kafka_conf_set(conf, LibRdKafkaNative.Utf8z(entry.Key), LibRdKafkaNative.Utf8z(entry.Value), error, (UIntPtr)error.Capacity);
            }
            // This client has no log handler, so librdkafka would print to stderr (the deprecation warnings
            // of a Kafka 0.9 config, for one); the real clients report what matters.
            LibRdKafkaNative.rd_kafka_conf_set(conf, LibRdKafkaNative.Utf8z("log_level"), LibRdKafkaNative.Utf8z("0"), error, (UIntPtr)error.Capacity);
            IntPtr rk = LibRdKafkaNative.rd_kafka_new(LibRdKafkaNative.ProducerType, conf, error, (UIntPtr)error.Capacity); // takes over conf
            if (rk == IntPtr.Zero)
            {
                LibRdKafkaNative.rd_kafka_conf_destroy(conf);
                return null;
            }
            try
            {
                IntPtr id = LibRdKafkaNative.rd_kafka_clusterid(rk, (int)timeout.TotalMilliseconds);
                try
                {
                    return LibRdKafkaNative.PtrToUtf8(id);
                }
                finally
                {
                    if (id != IntPtr.Zero)
                    {
                        LibRdKafkaNative.rd_kafka_mem_free(rk, id);
                    }
                }
            }
            finally
            {
                LibRdKafkaNative.rd_kafka_destroy(rk);
            }
        }

        public static bool IsEmbeddedBroker(string? clusterId) => clusterId != null && clusterId.StartsWith(MockClusterPrefix, StringComparison.Ordinal);
    }
}
