using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Inspection
{
    /// <summary>Whose backlog to measure, and how much of it to read.</summary>
    public sealed class LagOptions
    {
        public LagOptions(string topic) => Topic = topic;

        public string Topic { get; }

        /// <summary>One consumer group; null: every group with offsets committed on the topic (where the broker can list groups).</summary>
        public string? GroupId { get; set; }

        /// <summary>Messages of the backlog read per partition to size it and count its files; beyond that, bytes are estimated.</summary>
        public int MaxScanMessages { get; set; } = 100_000;

        public TimeSpan ConnectTimeout { get; set; } = KafkaConnectionProbe.DefaultTimeout;
    }

    /// <summary>How far one consumer group is behind in one partition.</summary>
    public sealed class PartitionLag
    {
        internal PartitionLag(string topic, string groupId, int partition, long? committed, long low, long end, long lagBytes, bool estimated, int incompleteFiles)
        {
            Topic = topic;
            GroupId = groupId;
            Partition = partition;
            Committed = committed;
            Low = low;
            End = end;
            LagBytes = lagBytes;
            BytesEstimated = estimated;
            IncompleteFiles = incompleteFiles;
        }

        public string Topic { get; }

        public string GroupId { get; }

        public int Partition { get; }

        /// <summary>The group's committed offset (the next message it will read), or null when it never committed one here.</summary>
        public long? Committed { get; }

        /// <summary>The oldest offset the broker still keeps.</summary>
        public long Low { get; }

        /// <summary>The offset the next message will get (the high watermark).</summary>
        public long End { get; }

        /// <summary>Messages the group has not handled yet.</summary>
        public long Lag => End - Math.Max(Committed ?? Low, Low);

        /// <summary>Bytes of those messages as the broker holds them.</summary>
        public long LagBytes { get; }

        /// <summary>True when the backlog was longer than the part read, so <see cref="LagBytes"/> is extrapolated and <see cref="IncompleteFiles"/> a lower bound.</summary>
        public bool BytesEstimated { get; }

        /// <summary>Files with chunks in the backlog: not yet received, or in progress, for this group.</summary>
        public int IncompleteFiles { get; }
    }

    /// <summary>
    /// The backlog of consumer groups on a topic: per partition the committed and end offsets, the lag in
    /// messages and bytes, and the files not yet complete for the group, from the group's committed
    /// offsets and a read of the backlog that joins no group and commits nothing.
    /// </summary>
    public static class ConsumerLag
    {
        public static IReadOnlyList<PartitionLag> Measure(KafkaSettings settings, LagOptions options, ClientDiagnostics diagnostics, CancellationToken cancellationToken)
        {
            using var scanner = new TopicScanner(settings, options.Topic, diagnostics, options.ConnectTimeout);
            IReadOnlyDictionary<int, WatermarkOffsets> marks = scanner.Partitions(cancellationToken);
            var partitions = marks.Keys.OrderBy(p => p).Select(p => new TopicPartition(options.Topic, new Partition(p))).ToList();
            using IAdminClient admin = KafkaClientFactory.BuildAdminClient(settings, diagnostics);
            IReadOnlyList<string> groups = options.GroupId != null ? new[] { options.GroupId } : ListGroupsOn(admin, options.Topic, partitions, settings, options.ConnectTimeout);
            var lags = new List<PartitionLag>();
            foreach (string group in groups)
            {
                Dictionary<int, long?> committed = Committed(admin, group, partitions, options.ConnectTimeout, settings);
                var starts = marks.ToDictionary(m => m.Key, m => Math.Max(committed[m.Key] ?? m.Value.Low.Value, m.Value.Low.Value));
                var scanned = starts.Keys.ToDictionary(p => p, p => (Messages: 0L, Bytes: 0L, Files: new HashSet<string>(StringComparer.Ordinal)));
                var ends = marks.ToDictionary(m => m.Key, m => new WatermarkOffsets(m.Value.Low, new Offset(Math.Min(m.Value.High.Value, starts[m.Key] + options.MaxScanMessages))));
                foreach (ScannedMessage message in scanner.Read(starts, ends, cancellationToken))
                {
                    var counts = scanned[message.Partition];
                    counts.Messages++;
                    counts.Bytes += message.WireBytes;
                    if (FileOf(message) is string file)
                    {
                        counts.Files.Add(file);
                    }
                    scanned[message.Partition] = counts;
                }
                foreach (int partition in marks.Keys.OrderBy(p => p))
                {
                    var counts = scanned[partition];
                    long lag = marks[partition].High.Value - starts[partition];
                    bool estimated = counts.Messages < lag;
                    long bytes = !estimated ? counts.Bytes : counts.Messages == 0 ? 0 : (long)(counts.Bytes * (double)lag / counts.Messages);
                    lags.Add(new PartitionLag(options.Topic, group, partition, committed[partition], marks[partition].Low.Value, marks[partition].High.Value, bytes, estimated, counts.Files.Count));
                }
            }
            return lags;
        }

        /// <summary>The groups with a member assigned partitions of <paramref name="topic"/> now; none when the broker cannot describe them.</summary>
        private static HashSet<string> GroupsReading(IAdminClient admin, IReadOnlyList<string> groups, string topic, TimeSpan timeout)
        {
            IEnumerable<ConsumerGroupDescription> descriptions;
            try
            {
                descriptions = admin.DescribeConsumerGroupsAsync(groups, new DescribeConsumerGroupsOptions { RequestTimeout = timeout }).GetAwaiter().GetResult().ConsumerGroupDescriptions;
            }
            catch (DescribeConsumerGroupsException partly)
            {
                descriptions = partly.Results.ConsumerGroupDescriptions.Where(g => !g.Error.IsError); // the groups it could describe
            }
            catch (Exception ex) when (ex is KafkaException || ex is InvalidOperationException)
            {
                return new HashSet<string>(StringComparer.Ordinal); // committed offsets still tell
            }
            return new HashSet<string>(descriptions
                .Where(g => g.Members?.Any(m => m.Assignment?.TopicPartitions?.Any(tp => tp.Topic == topic) == true) == true)
                .Select(g => g.GroupId), StringComparer.Ordinal);
        }

        /// <summary>What to say when a topic has no group to measure.</summary>
        public static string DescribeNoGroups(string topic) => $"No consumer group reads topic '{topic}' or has committed offsets on it.";

        /// <summary>
        /// One line on the backlog of one group (its partitions' lags): messages and bytes behind, and the
        /// files not yet complete; estimates (a backlog longer than the part read) are marked as such.
        /// </summary>
        public static string Describe(IReadOnlyCollection<PartitionLag> ofOneGroup)
        {
            PartitionLag first = ofOneGroup.First();
            long messages = ofOneGroup.Sum(l => l.Lag);
            bool estimated = ofOneGroup.Any(l => l.BytesEstimated);
            int files = ofOneGroup.Sum(l => l.IncompleteFiles);
            string never = ofOneGroup.All(l => !l.Committed.HasValue) ? " (it has committed no offsets here: it would read the topic from the beginning)" : string.Empty;
            return messages == 0
                ? $"Consumer group '{first.GroupId}' is up to date on topic '{first.Topic}'."
                : $"Consumer group '{first.GroupId}' is {messages} message(s) behind on topic '{first.Topic}'{never}: {(estimated ? "about " : string.Empty)}{ByteSize.Format(ofOneGroup.Sum(l => l.LagBytes))}, "
                    + $"{(estimated ? "at least " : string.Empty)}{files} file(s) not yet complete.";
        }

        /// <summary>The file (path and version) a chunk message belongs to, when it can be read.</summary>
        private static string? FileOf(ScannedMessage message)
        {
            if (message.Value == null)
            {
                return null;
            }
            try
            {
                DataFileChunk chunk = ChunkMessageDeserializer.Deserialize(message.Value);
                return chunk.RelativePath + "\n" + Hex.Lower(chunk.FileHash);
            }
            catch (OpenMsiStreamException)
            {
                return null;
            }
        }

        private static Dictionary<int, long?> Committed(IAdminClient admin, string group, List<TopicPartition> partitions, TimeSpan timeout, KafkaSettings settings) =>
            CommittedAsync(admin, group, partitions, timeout, settings).GetAwaiter().GetResult();

        private static async Task<Dictionary<int, long?>> CommittedAsync(IAdminClient admin, string group, List<TopicPartition> partitions, TimeSpan timeout, KafkaSettings settings)
        {
            try
            {
                List<ListConsumerGroupOffsetsResult> results = await admin.ListConsumerGroupOffsetsAsync(new[] { new ConsumerGroupTopicPartitions(group, partitions) },
                    new ListConsumerGroupOffsetsOptions { RequestTimeout = timeout }).ConfigureAwait(false);
                return results.SelectMany(r => r.Partitions).ToDictionary(p => p.Partition.Value, p => p.Offset.Value >= 0 ? p.Offset.Value : (long?)null);
            }
            catch (KafkaException ex)
            {
                throw new OpenMsiStreamException(ErrorIds.BrokerUnreachable,
                    $"Could not read the offsets of consumer group '{group}' on {settings.BootstrapServers}: {ex.Error.Reason}.", ex, group);
            }
        }

        /// <summary>
        /// The consumer groups with offsets committed on <paramref name="topic"/>, by name; on the embedded
        /// broker, which cannot list its groups, a ConsumerGroupsUnlisted error (never the request that
        /// would crash it).
        /// </summary>
        public static IReadOnlyList<string> GroupsOn(KafkaSettings settings, string topic, ClientDiagnostics diagnostics, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var scanner = new TopicScanner(settings, topic, diagnostics, timeout);
            var partitions = scanner.Partitions(cancellationToken).Keys.OrderBy(p => p).Select(p => new TopicPartition(topic, new Partition(p))).ToList();
            using IAdminClient admin = KafkaClientFactory.BuildAdminClient(settings, diagnostics);
            return ListGroupsOn(admin, topic, partitions, settings, timeout);
        }

        private static IReadOnlyList<string> ListGroupsOn(IAdminClient admin, string topic, List<TopicPartition> partitions, KafkaSettings settings, TimeSpan timeout)
        {
            if (ClusterIdentity.IsEmbeddedBroker(ClusterIdentity.Read(settings, timeout)))
            {
                throw new OpenMsiStreamException(ErrorIds.ConsumerGroupsUnlisted,
                    $"The embedded broker at {settings.BootstrapServers} cannot list its consumer groups; name one (-GroupId, --group-id).", target: topic);
            }
            List<string> all;
            try
            {
                all = admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { RequestTimeout = timeout }).GetAwaiter().GetResult()
                    .Valid.Select(g => g.GroupId).ToList();
            }
            catch (Exception ex) when (ex is KafkaException || ex is InvalidOperationException)
            {
                throw new OpenMsiStreamException(ErrorIds.ConsumerGroupsUnlisted,
                    $"The broker at {settings.BootstrapServers} could not list its consumer groups ({ex.Message}); name one (-GroupId, --group-id). The embedded broker cannot list them.", ex, topic);
            }
            if (all.Count == 0)
            {
                return all;
            }
            // A group is on the topic when it committed offsets there, or when a member reads it now (one that
            // has not committed yet, busy with its first file). One offsets request per group (the admin API
            // takes one group at a time), all at once: a cluster may have many.
            HashSet<string> reading = GroupsReading(admin, all, topic, timeout);
            var checks = all.Where(g => !reading.Contains(g))
                .Select(async group => (Group: group, Offsets: await CommittedAsync(admin, group, partitions, timeout, settings).ConfigureAwait(false))).ToList();
            return Task.WhenAll(checks).GetAwaiter().GetResult()
                .Where(check => check.Offsets.Values.Any(o => o.HasValue))
                .Select(check => check.Group)
                .Concat(reading)
                .OrderBy(g => g, StringComparer.Ordinal).ToList();
        }
    }
}
