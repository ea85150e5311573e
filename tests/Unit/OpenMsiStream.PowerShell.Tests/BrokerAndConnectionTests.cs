using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OpenMsiStream.PowerShell.Tests.Support;
using Xunit;

namespace OpenMsiStream.PowerShell.Tests
{
    [Collection(ModuleCollection.Name)]
    public class BrokerAndConnectionTests
    {
        private readonly ModuleFixture _module;

        public BrokerAndConnectionTests(ModuleFixture module)
        {
            _module = module;
            _module.EnsureBrokerRunning();
        }

        [Fact]
        public void TheLocalBrokerWritesAConfigFileThatOtherCommandsTake()
        {
            string config = _module.BrokerConfigPath;
            string text = File.ReadAllText(config);

            Assert.Contains($"bootstrap.servers = {_module.Broker.Properties["BootstrapServers"].Value}", text);
            PSObject report = Assert.Single(_module.Invoke($"Test-MsiConnection -Config '{config}'"));
            Assert.Equal(true, report.Properties["Success"].Value);
            Assert.Equal(1, report.Properties["BrokerCount"].Value);
        }

        [Fact]
        public void StartingASecondBrokerIsAnErrorThatNamesTheRunningOne()
        {
            using var ps = _module.Create();
            ps.AddCommand("Start-MsiLocalBroker");
            ps.Invoke();

            ErrorRecord error = Assert.Single(ps.Streams.Error);
            Assert.Equal("LocalBrokerAlreadyRunning,OpenMsiStream.PowerShell.Commands.StartMsiLocalBrokerCommand", error.FullyQualifiedErrorId);
            Assert.Contains((string)_module.Broker.Properties["BootstrapServers"].Value, error.Exception.Message);
        }

        [Fact]
        public void StopWithWhatIfLeavesTheBrokerRunningAndWithoutABrokerCommandsSayWhatToDo()
        {
            _module.Invoke("Stop-MsiLocalBroker -WhatIf");
            Assert.Equal(true, Assert.Single(_module.Invoke("Test-MsiConnection -Quiet")).BaseObject);

            _module.Invoke("Stop-MsiLocalBroker");
            using (var ps = _module.Create())
            {
                ps.AddCommand("Test-MsiConnection");
                var thrown = Assert.Throws<CmdletInvocationException>(() => ps.Invoke());
                Assert.Equal("NoBrokerSpecified,OpenMsiStream.PowerShell.Commands.TestMsiConnectionCommand", thrown.ErrorRecord.FullyQualifiedErrorId);
                Assert.Equal("No broker given: use -Config <file> or -BootstrapServers host:port, or start the embedded broker with Start-MsiLocalBroker.", thrown.Message);
            }
            using (var ps = _module.Create())
            {
                ps.AddCommand("Stop-MsiLocalBroker");
                ps.Invoke();
                Assert.Equal("LocalBrokerNotRunning,OpenMsiStream.PowerShell.Commands.StopMsiLocalBrokerCommand", Assert.Single(ps.Streams.Error).FullyQualifiedErrorId);
            }

            _module.EnsureBrokerRunning();
            Assert.Equal(true, Assert.Single(_module.Invoke("Test-MsiConnection -Quiet")).BaseObject);
        }

        [Fact]
        public void TestMsiConnectionExplainsAnUnreachableBroker()
        {
            PSObject report = Assert.Single(_module.Invoke("Test-MsiConnection -BootstrapServers 127.0.0.1:1 -Timeout 5"));

            Assert.Equal(false, report.Properties["Success"].Value);
            Assert.Equal("BrokerUnreachable", report.Properties["ErrorId"].Value);
            Assert.Contains("Connection refused", (string)report.Properties["Message"].Value);
        }

        [Fact]
        public void TestMsiConnectionExplainsABrokerThatRefusesTheCredentials()
        {
            // The embedded broker speaks no SASL, so a client that must authenticate is refused during
            // authentication: the real client's real failure, as a lab user meets it with a broker that
            // does not accept their mechanism.
            string config = Path.Combine(Path.GetTempPath(), $"openmsistream-sasl-{Guid.NewGuid():N}.config");
            File.WriteAllText(config, $"[broker]\nbootstrap.servers = {_module.Broker.Properties["BootstrapServers"].Value}\n" +
                "security.protocol = SASL_PLAINTEXT\nsasl.mechanism = SCRAM-SHA-512\nsasl.username = lab\nsasl.password = $OPENMSISTREAM_TEST_PASSWORD\n");
            try
            {
                Environment.SetEnvironmentVariable("OPENMSISTREAM_TEST_PASSWORD", "not-the-password");
                PSObject report = Assert.Single(_module.Invoke($"Test-MsiConnection -Config '{config}' -Timeout 10"));

                Assert.Equal(false, report.Properties["Success"].Value);
                Assert.Equal("AuthenticationFailed", report.Properties["ErrorId"].Value);
                string message = (string)report.Properties["Message"].Value;
                Assert.StartsWith($"The Kafka broker at {_module.Broker.Properties["BootstrapServers"].Value} rejected the credentials (", message);
                Assert.EndsWith($"Check sasl.username, sasl.password and sasl.mechanism in config file '{config}'.", message);
                Assert.DoesNotContain("not-the-password", message);
            }
            finally
            {
                Environment.SetEnvironmentVariable("OPENMSISTREAM_TEST_PASSWORD", null);
                File.Delete(config);
            }
        }

        [Fact]
        public void TestMsiConnectionReportsWhetherATopicExists()
        {
            string topic = TestBytes.NewTopic();
            _module.Invoke("Stop-MsiLocalBroker");
            PSObject started = Assert.Single(_module.Invoke($"Start-MsiLocalBroker -Topic {topic} -Partitions 3"));
            _module.EnsureBrokerRunning();
            Assert.Equal(started.Properties["BootstrapServers"].Value, _module.Broker.Properties["BootstrapServers"].Value);

            PSObject existing = Assert.Single(_module.Invoke($"Test-MsiConnection -Topic {topic}"));
            Assert.Equal(true, existing.Properties["TopicExists"].Value);
            Assert.Equal(3, existing.Properties["PartitionCount"].Value);
            Assert.Equal(new[] { topic }, (string[])started.Properties["Topics"].Value);

            // The check changes nothing: asking twice for a missing topic finds it missing twice.
            string missing = TestBytes.NewTopic();
            for (int attempt = 0; attempt < 2; attempt++)
            {
                PSObject absent = Assert.Single(_module.Invoke($"Test-MsiConnection -Topic {missing}"));
                Assert.Equal(true, absent.Properties["Success"].Value);
                Assert.Equal(false, absent.Properties["TopicExists"].Value);
                Assert.Null(absent.Properties["PartitionCount"].Value);
            }
        }
    }
}
