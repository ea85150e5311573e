using System;
using System.Text;

namespace OpenMsiStream.Kafka
{
    /// <summary>
    /// Kafka's static group membership (KIP-345, brokers from 2.3) for long-running consumers: a consumer
    /// that names itself with <c>group.instance.id</c> and comes back within the session timeout gets its
    /// partitions back at once, without a rebalance of the other members. The one place that decides
    /// whether a consumer uses it and under which id.
    /// </summary>
    /// <remarks>
    /// The trade-off, which is why it is only for programs that have a program id: a static member that
    /// stops does not leave its group, so its partitions wait for it up to <c>session.timeout.ms</c>
    /// (45 s) before another member takes them; and two running programs with the same id fence each
    /// other (<see cref="Diagnostics.ErrorIds.StaticMemberFenced"/>).
    /// </remarks>
    internal static class StaticMembership
    {
        public const string Property = "group.instance.id";

        /// <summary>The config value that turns it off: <c>group.instance.id = none</c> in [consumer].</summary>
        public const string Off = "none";

        /// <summary>The first Kafka version whose brokers know static members.</summary>
        public static readonly Version FirstBrokerVersion = new Version(2, 3);

        private const int MaxLength = 249;
        private const string ProgramIdOrigin = "static membership: the program id";

        /// <summary>
        /// Sets or removes <c>group.instance.id</c> in <paramref name="properties"/> and returns the id in
        /// force, or null. A value in the config file wins (<c>none</c> turns it off); otherwise the program
        /// id is used when there is one, the group is a fixed one (a group of its own each run has nothing to
        /// come back to), and the config does not say the broker is older than Kafka 2.3.
        /// </summary>
        public static string? Apply(ClientPropertySet properties, string? programId, bool groupIsFresh)
        {
            string? configured = properties[Property];
            if (configured != null)
            {
                if (string.Equals(configured.Trim(), Off, StringComparison.OrdinalIgnoreCase))
                {
                    properties.Remove(Property);
                    return null;
                }
                return configured;
            }
            if (string.IsNullOrWhiteSpace(programId) || groupIsFresh || !BrokerMaySupport(properties))
            {
                return null;
            }
            string id = InstanceId(programId!);
            properties.Set(Property, id, ProgramIdOrigin);
            return id;
        }

        /// <summary>
        /// Drops an instance id that came from the program id (not one the config file names) for a broker
        /// that would only be slowed by it: librdkafka's mock cluster (the embedded broker) accepts the id but
        /// neither gives a returning member its partitions back nor fences a twin, and since a static member
        /// does not leave its group, a restart there would wait for the old member's session to time out.
        /// True when it was dropped.
        /// </summary>
        public static bool DropForEmbeddedBroker(ClientPropertySet properties, Func<bool> isEmbeddedBroker)
        {
            if (properties.Entry(Property)?.Origin != ProgramIdOrigin || !isEmbeddedBroker())
            {
                return false;
            }
            properties.Remove(Property);
            return true;
        }

        /// <summary>
        /// False when the config pins an older broker (<c>api.version.request = false</c> with
        /// <c>broker.version.fallback</c> below 2.3, as Kafka 0.9 needs): there librdkafka would not send
        /// the id, but would still skip leaving the group at the end, so a restart waited for the session
        /// timeout. A broker that tells its versions and is older ignores the id with a notice in the log.
        /// </summary>
        public static bool BrokerMaySupport(ClientPropertySet properties) =>
            !(KafkaClientFactory.PinnedBrokerVersion(properties) is Version pinned) || pinned >= FirstBrokerVersion;

        /// <summary>The program id as Kafka accepts an instance id: letters, digits, '.', '_' and '-' (others become '_'), at most 249.</summary>
        public static string InstanceId(string programId)
        {
            var id = new StringBuilder(Math.Min(programId.Length, MaxLength));
            foreach (char c in programId)
            {
                if (id.Length == MaxLength)
                {
                    break;
                }
                bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                id.Append(allowed ? c : '_');
            }
            return id.ToString();
        }
    }
}
