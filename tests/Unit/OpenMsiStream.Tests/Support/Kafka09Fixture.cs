using System;
using System.Collections.Generic;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.Support
{
    /// <summary>
    /// One real Kafka 0.9.0.1 broker (no message timestamps, no headers) for every test class in
    /// <see cref="Kafka09Collection"/>: it takes several seconds to start, so the classes share it and run
    /// one after another. Each test uses topics of its own (the broker creates them on first use).
    /// </summary>
    public sealed class Kafka09Fixture : IDisposable
    {
        public Kafka09Fixture() => Broker = Kafka09Broker.Start(partitions: 2);

        public Kafka09Broker Broker { get; }

        /// <summary>
        /// A config file for this broker: the settings an old broker needs and, since a consumer killed by a
        /// test holds its partitions until its session times out, a short session. Test-only settings.
        /// </summary>
        public string WriteConfig(string path, string? extraSections = null)
        {
            Broker.WriteConfigFile(path, "[consumer]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 1000\n" + (extraSections ?? ""));
            return path;
        }

        /// <summary>Restarts the broker if an earlier test killed it and did not bring it back (it failed midway).</summary>
        public void EnsureBrokerRunning()
        {
            if (!Broker.IsBrokerRunning)
            {
                Broker.RestartBroker();
            }
        }

        /// <summary>Environment for CLI processes: their own home, never the user's profile.</summary>
        public static IReadOnlyDictionary<string, string?> HomeEnvironment(string home) => new Dictionary<string, string?>
        {
            ["OPENMSISTREAM_HOME"] = home,
            ["HOME"] = home,
            ["XDG_DATA_HOME"] = home,
        };

        public void Dispose() => Broker.Dispose();
    }

    [CollectionDefinition(Name)]
    public sealed class Kafka09Collection : ICollectionFixture<Kafka09Fixture>
    {
        public const string Name = "Kafka 0.9 broker";
    }
}
