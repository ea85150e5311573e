using System;
using System.Text.Json;

namespace OpenMsiStream.Kafka
{
    /// <summary>
    /// Whether the clients of a program can reach a broker, so an outage is said out loud: librdkafka
    /// retries quietly (up to message.timeout.ms, five minutes), which keeps data safe but leaves an
    /// operator looking at a silent console. Connection errors mark the start of an outage; librdkafka's
    /// statistics (a broker in state UP) mark its end. Long-running programs ask <see cref="TakeNews"/>
    /// on their own thread and pass the lines on as warnings.
    /// </summary>
    public sealed class BrokerReachability
    {
        /// <summary>How long the broker must have been unreachable before it is worth a warning.</summary>
        public static readonly TimeSpan WarnAfter = TimeSpan.FromSeconds(15);

        /// <summary>How long a broker connection must have been UP, in statistics, to end an outage.</summary>
        public static readonly TimeSpan SettledUp = TimeSpan.FromSeconds(1);

        private readonly object _gate = new object();
        private DateTime? _downSince;
        private string? _reason;
        private bool _announced;
        private TimeSpan? _backAfter;
        private DateTime? _allDownSince;

        /// <summary>
        /// Whether librdkafka said that every broker connection is down, and no statistics since showed a
        /// broker UP. Then a synchronous offset commit would wait for the group coordinator until the
        /// broker is back, holding the consume thread (and the outage's warning) the whole time.
        /// </summary>
        public bool AllBrokersDown
        {
            get
            {
                lock (_gate)
                {
                    return _allDownSince.HasValue;
                }
            }
        }

        /// <summary>A connection failed (refused, reset, name not resolved), or every broker is down (<paramref name="allBrokersDown"/>).</summary>
        internal void ConnectionFailed(string reason, DateTime now, bool allBrokersDown = false)
        {
            lock (_gate)
            {
                _downSince ??= now;
                _reason = reason;
                if (allBrokersDown)
                {
                    _allDownSince ??= now;
                }
            }
        }

        /// <summary>
        /// librdkafka's statistics: a broker that has been UP for a while (<see cref="SettledUp"/>) ends an
        /// outage, in statistics taken after it began. Statistics reach this callback late on a loaded
        /// machine, and their "time" has whole seconds: a snapshot of the outage's first second may be from
        /// before it and is left to the next one (5 s later). A connection that a broker (or a proxy in
        /// front of it) accepts and drops at once is UP only for an instant, and does not end it either.
        /// A wrongly ended outage may stay ended: librdkafka need not repeat an error it has reported.
        /// </summary>
        internal void Statistics(string json, DateTime now)
        {
            if (!AnyBrokerSettledUp(json, out DateTime? takenAt))
            {
                return;
            }
            lock (_gate)
            {
                // Every broker went down after the first failure (or with it): a snapshot from between the two is stale too.
                DateTime? began = _allDownSince ?? _downSince;
                if (began is DateTime since && takenAt is DateTime taken && taken < since)
                {
                    return;
                }
                if (_downSince.HasValue && _announced)
                {
                    _backAfter = now - _downSince.Value;
                }
                _downSince = null;
                _allDownSince = null;
                _announced = false;
            }
        }

        /// <summary>What an operator should be told now, once each: the outage when it has lasted, its end when it was told.</summary>
        public string? TakeNews(string bootstrapServers, DateTime now)
        {
            lock (_gate)
            {
                if (_backAfter is TimeSpan after)
                {
                    _backAfter = null;
                    return $"The Kafka broker at {bootstrapServers} is reachable again after {after.TotalSeconds:0} s; what waited is being sent and received.";
                }
                if (_downSince is DateTime since && !_announced && now - since >= WarnAfter)
                {
                    _announced = true;
                    return $"The Kafka broker at {bootstrapServers} has been unreachable for {(now - since).TotalSeconds:0} s ({_reason}); still trying. Nothing is lost: files are sent and received once it is back.";
                }
                return null;
            }
        }

        private static bool AnyBrokerSettledUp(string json, out DateTime? takenAt)
        {
            takenAt = null;
            try
            {
                using JsonDocument stats = JsonDocument.Parse(json);
                if (stats.RootElement.TryGetProperty("time", out JsonElement time) && time.TryGetInt64(out long seconds))
                {
                    takenAt = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
                }
                if (!stats.RootElement.TryGetProperty("brokers", out JsonElement brokers) || brokers.ValueKind != JsonValueKind.Object)
                {
                    return false;
                }
                foreach (JsonProperty broker in brokers.EnumerateObject())
                {
                    if (broker.Value.TryGetProperty("state", out JsonElement state) && state.ValueEquals("UP")
                        && (!broker.Value.TryGetProperty("stateage", out JsonElement age) || !age.TryGetInt64(out long microseconds)
                            || microseconds >= SettledUp.Ticks / 10))
                    {
                        return true;
                    }
                }
                return false;
            }
            catch (JsonException)
            {
                return false;
            }
        }
    }
}
