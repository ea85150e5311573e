using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Monitoring;

namespace OpenMsiStream.Kafka
{
    /// <summary>
    /// What a broker holds, for tab completion: asked with a short timeout, and nothing at all (never an
    /// error) when the broker does not answer in time, so that pressing Tab never hangs or prints.
    /// </summary>
    public static class TopicCatalog
    {
        public static readonly TimeSpan CompletionTimeout = TimeSpan.FromSeconds(2);

        /// <summary>KafkaCrypto's key-exchange topics (&lt;root&gt;.reqs, .keys, .subs): never where data goes.</summary>
        private static readonly string[] KeyExchangeSuffixes = { ".reqs", ".keys", ".subs" };

        /// <summary>The topics, without Kafka's internal ones (<c>__consumer_offsets</c>) and KafkaCrypto's key exchange.</summary>
        public static IReadOnlyList<string> Topics(KafkaSettings settings, TimeSpan timeout)
        {
            try
            {
                using IAdminClient admin = KafkaClientFactory.BuildAdminClient(settings, new ClientDiagnostics());
                Metadata metadata = admin.GetMetadata(timeout);
                return metadata.Topics
                    .Where(t => t.Error.Code == ErrorCode.NoError && !t.Topic.StartsWith("__", StringComparison.Ordinal)
                        && !KeyExchangeSuffixes.Any(suffix => t.Topic.EndsWith(suffix, StringComparison.Ordinal)))
                    .Select(t => t.Topic)
                    .OrderBy(t => t, StringComparer.Ordinal)
                    .ToList();
            }
            catch (Exception)
            {
                return Array.Empty<string>(); // unreachable, refused, misconfigured: completion has nothing to offer
            }
        }

        /// <summary>
        /// The consumer groups with offsets on <paramref name="topic"/>, where the broker can list its groups
        /// (not the embedded broker, which is recognised and never asked: see <see cref="Inspection.ConsumerLag.GroupsOn"/>).
        /// </summary>
        public static IReadOnlyList<string> GroupIds(KafkaSettings settings, string topic, TimeSpan timeout)
        {
            try
            {
                using var stop = new CancellationTokenSource(timeout + timeout);
                return Inspection.ConsumerLag.GroupsOn(settings, topic, new ClientDiagnostics(), timeout, stop.Token);
            }
            catch (Exception)
            {
                return Array.Empty<string>();
            }
        }

        /// <summary>The program ids that sent heartbeats to <paramref name="topic"/>.</summary>
        public static IReadOnlyList<string> ProgramIds(KafkaSettings settings, string topic, TimeSpan timeout)
        {
            try
            {
                if (!Topics(settings, timeout).Contains(topic))
                {
                    return Array.Empty<string>();
                }
                var options = new HeartbeatReadOptions(topic) { ConnectTimeout = timeout, IdleTimeout = timeout };
                using var stop = new CancellationTokenSource(timeout + timeout);
                return new HeartbeatReader(settings, options, new ClientDiagnostics())
                    .Latest(_ => { }, stop.Token)
                    .Select(h => h.ProgramId)
                    .Distinct(StringComparer.Ordinal)
                    .OrderBy(id => id, StringComparer.Ordinal)
                    .ToList();
            }
            catch (Exception)
            {
                return Array.Empty<string>();
            }
        }
    }
}
