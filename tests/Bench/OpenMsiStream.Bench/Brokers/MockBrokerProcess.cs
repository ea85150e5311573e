using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;
using OpenMsiStream.Bench.Support;

namespace OpenMsiStream.Bench.Brokers
{
    /// <summary>
    /// The embedded broker (librdkafka's mock cluster) in a process of its own, as `openmsistream
    /// local-broker` runs it. It drops data beyond 5 MiB per partition, so it only serves quick runs.
    /// </summary>
    internal sealed class MockBrokerProcess : IBenchBroker
    {
        private readonly ChildProcess _process;

        public MockBrokerProcess(string workDirectory, int partitions)
        {
            ConfigPath = Path.Combine(workDirectory, "mock.config");
            _process = ChildProcess.Start(Cli.Executable(), new[] { "local-broker", "--partitions", partitions.ToString(), "--config-out", ConfigPath });
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!File.Exists(ConfigPath) || !Regex.IsMatch(File.ReadAllText(ConfigPath), @"bootstrap\.servers\s*=\s*\S+"))
            {
                if (_process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new InvalidOperationException("The embedded broker did not start:\n" + _process.Stderr);
                }
                System.Threading.Thread.Sleep(50);
            }
            BootstrapServers = Regex.Match(File.ReadAllText(ConfigPath), @"bootstrap\.servers\s*=\s*(\S+)").Groups[1].Value;
        }

        public string Description => "embedded (mock, 5 MiB/partition)";

        public string BootstrapServers { get; }

        public IReadOnlyDictionary<string, string> ClientSettings { get; } = new Dictionary<string, string>();

        public string ConfigPath { get; }

        public bool KeepsAllData => false;

        public void Dispose()
        {
            _process.Terminate();
            _process.Dispose();
        }
    }
}
