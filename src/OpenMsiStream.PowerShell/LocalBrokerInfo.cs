using System;

namespace OpenMsiStream.PowerShell
{
    /// <summary>What Start-MsiLocalBroker started: where to connect and the config file to pass on.</summary>
    public sealed class LocalBrokerInfo
    {
        public LocalBrokerInfo(string bootstrapServers, string configPath, int partitions, string[] topics, DateTimeOffset startedAt)
        {
            BootstrapServers = bootstrapServers;
            ConfigPath = configPath;
            Partitions = partitions;
            Topics = topics;
            StartedAt = startedAt;
        }

        public string BootstrapServers { get; }

        /// <summary>An OpenMSIStream-format config file naming this broker, for -Config.</summary>
        public string ConfigPath { get; }

        /// <summary>Partitions of the topics created at start (auto-created topics get 4).</summary>
        public int Partitions { get; }

        public string[] Topics { get; }

        public DateTimeOffset StartedAt { get; }
    }
}
