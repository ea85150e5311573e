using System;
using System.IO;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.Kafka
{
    /// <summary>Settings librdkafka accepts one by one but refuses together fail as configuration errors, not crashes.</summary>
    public sealed class ClientCreationTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("client-creation");

        [Fact]
        public void ASaslMechanismWithoutAPasswordIsAConfigurationErrorThatSaysWhy()
        {
            string config = _temp.WriteFile("sasl.config", System.Text.Encoding.UTF8.GetBytes(
                "[broker]\nbootstrap.servers = 127.0.0.1:1\nsecurity.protocol = SASL_PLAINTEXT\nsasl.mechanism = PLAIN\nsasl.username = lab\n"));

            var error = Assert.Throws<OpenMsiStreamException>(() => ConnectionTester.Test(KafkaSettings.FromFile(config), null, TimeSpan.FromSeconds(2), default));

            Assert.Equal(ErrorIds.ConfigInvalidProperty, error.ErrorId);
            Assert.StartsWith("The Kafka admin client cannot be created with these settings: ", error.Message, StringComparison.Ordinal);
            Assert.Contains("sasl.password", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AMissingCaFileIsAConfigurationErrorThatNamesIt()
        {
            string missing = Path.Combine(_temp.Path, "no-such-ca.pem");
            string config = _temp.WriteFile("ssl.config", System.Text.Encoding.UTF8.GetBytes(
                $"[broker]\nbootstrap.servers = 127.0.0.1:1\nsecurity.protocol = SSL\nssl.ca.location = {missing}\n"));

            var error = Assert.Throws<OpenMsiStreamException>(() => ConnectionTester.Test(KafkaSettings.FromFile(config), null, TimeSpan.FromSeconds(2), default));

            Assert.Equal(ErrorIds.ConfigInvalidProperty, error.ErrorId);
            Assert.Contains("no-such-ca.pem", error.Message, StringComparison.Ordinal);
        }

        public void Dispose() => _temp.Dispose();
    }
}
