using System;
using System.Text.Json;

namespace OpenMsiStream.Kafka
{
    /// <summary>
    /// What a consumer's own librdkafka statistics (every <c>statistics.interval.ms</c>, 5 s) say about
    /// how far behind it is: no request to the broker, and the end offsets are the ones its fetches
    /// just saw.
    /// </summary>
    internal static class ConsumerStatistics
    {
        /// <summary>
        /// Messages of <paramref name="topic"/> on the partitions assigned to this consumer that it has
        /// not read yet: per partition the end offset (the last stable offset for a read_committed
        /// consumer, the high watermark otherwise) minus the position (the next message the program will
        /// be given; before the first one, the committed offset or else where fetching starts). Null when
        /// no assigned partition has both known yet, or the statistics cannot be read.
        /// </summary>
        public static long? Lag(string json, string topic, bool readCommitted)
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(json);
                if (!document.RootElement.TryGetProperty("topics", out JsonElement topics) || topics.ValueKind != JsonValueKind.Object
                    || !topics.TryGetProperty(topic, out JsonElement entry) || !entry.TryGetProperty("partitions", out JsonElement partitions)
                    || partitions.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }
                long total = 0;
                bool known = false;
                foreach (JsonProperty partition in partitions.EnumerateObject())
                {
                    if (PartitionLag(partition.Value, readCommitted) is long lag)
                    {
                        total += lag;
                        known = true;
                    }
                }
                return known ? total : (long?)null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static long? PartitionLag(JsonElement partition, bool readCommitted)
        {
            // Partition -1 is librdkafka's placeholder for messages not yet assigned to a partition;
            // partitions this consumer does not own appear with fetch_state "none".
            if (Number(partition, "partition") is not long id || id < 0 || Text(partition, "fetch_state") is not string state || state == "none" || state == "stopped")
            {
                return null;
            }
            if (Number(partition, readCommitted ? "ls_offset" : "hi_offset") is not long end || end < 0)
            {
                return null;
            }
            long position = Math.Max(Number(partition, "app_offset") ?? -1, Number(partition, "committed_offset") ?? -1);
            if (position < 0)
            {
                position = Number(partition, "next_offset") ?? -1;
            }
            return position < 0 ? (long?)null : Math.Max(0, end - position);
        }

        private static long? Number(JsonElement element, string name) =>
            element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number) ? number : (long?)null;

        private static string? Text(JsonElement element, string name) =>
            element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
