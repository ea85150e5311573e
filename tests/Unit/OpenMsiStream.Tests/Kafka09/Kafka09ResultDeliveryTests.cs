using System;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Kafka09
{
    /// <summary>
    /// Kafka 0.9 has no transactions: `openmsistream process` keeps at-least-once results there and says
    /// so at the start (auto), or refuses to start when exactly-once is required.
    /// </summary>
    [Collection(Kafka09Collection.Name)]
    public sealed class Kafka09ResultDeliveryTests : IDisposable
    {
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(120);
        private readonly Kafka09Fixture _kafka;
        private readonly TempDirectory _temp = new TempDirectory("kafka09-results");

        public Kafka09ResultDeliveryTests(Kafka09Fixture kafka)
        {
            _kafka = kafka;
            _kafka.EnsureBrokerRunning();
        }

        public void Dispose() => _temp.Dispose();

        [Fact]
        public async Task OnKafka09ResultsAreAtLeastOnceAndTheProcessorSaysSoOrRefusesWhenExactlyOnceIsRequired()
        {
            string config = _kafka.WriteConfig(_temp.Combine("kafka09.config"));
            string topic = "eos09-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            var environment = Kafka09Fixture.HomeEnvironment(_temp.Combine("home"));
            _temp.WriteFile(Path.Combine("source", "scan 1.csv"), Encoding.UTF8.GetBytes("2theta,counts\n10,5\n"));
            using (CliProcess upload = await CliProcess.RunWithAsync(environment, Long, "upload-file", _temp.Combine(Path.Combine("source", "scan 1.csv")), "--topic", topic, "--config", config))
            {
                Assert.True(upload.ExitCode == 0, upload.Stderr);
            }

            using CliProcess auto = await CliProcess.RunWithAsync(environment, Long, "process", topic, "--config", config, "--result-topic", topic + "-results",
                "--state-directory", _temp.Combine("state"), "--count", "1", "--idle-timeout", "60", "--", "sh", "-c", "echo '{\"ok\":1}'");

            Assert.True(auto.ExitCode == 0, auto.Stderr);
            Assert.Contains("results: at-least-once (the config declares a Kafka 0.9.0 broker (broker.version.fallback with api.version.request = false), and transactions came with Kafka 0.11)\n", auto.Stderr);
            Assert.Contains("processed scan 1.csv (", auto.Stdout);
            Assert.Contains(", 1 results to '" + topic + "-results'", auto.Stdout);

            using CliProcess required = await CliProcess.RunWithAsync(environment, Long, "process", topic, "--config", config, "--result-topic", topic + "-results",
                "--state-directory", _temp.Combine("state-on"), "--exactly-once", "on", "--count", "1", "--", "sh", "-c", "echo '{\"ok\":1}'");

            Assert.NotEqual(0, required.ExitCode);
            Assert.Contains("error ExactlyOnceUnavailable: Exactly-once results were asked for, but the config declares a Kafka 0.9.0 broker", required.Stderr);
            Assert.Equal(string.Empty, required.Stdout);
        }
    }
}
