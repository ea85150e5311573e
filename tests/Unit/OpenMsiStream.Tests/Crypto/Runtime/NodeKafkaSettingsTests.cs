using System;
using System.IO;
using System.Linq;
using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Crypto.Provisioning;
using OpenMsiStream.Crypto.Runtime;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Crypto.Live;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Crypto.Runtime
{
    /// <summary>A KafkaCrypto node's own Kafka settings (its &lt;node&gt;-kafka sections), as kafkacrypto and Python OpenMSIStream use them for the key exchange.</summary>
    public sealed class NodeKafkaSettingsTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("node-kafka");

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void SectionsMergeAsKafkaCryptoMergesThemAndKeysAreTranslatedToLibrdkafkasNames()
        {
            NodeConfigFile config = NodeConfigFile.Parse(string.Join("\n",
                "[DEFAULT]", "node_id : lab",
                "[lab-kafka]", "bootstrap_servers : ", "security_protocol : SSL", "ssl_cafile : /etc/ca.pem", "sasl_mechanism : PLAIN", "ssl_check_hostname : False",
                "[lab-kafka-consumer]", "session_timeout_ms : 30000",
                "[lab-kafka-producer]", "linger_ms : 5",
                "[lab-kafka-crypto]", "sasl_mechanism : ",
                "[lab-kafka-crypto-consumer]", "group_id : lab.keys", "fetch.wait.max.ms : 50"), "lab.config");

            NodeKafkaSettings consumer = NodeKafkaSettings.Read(config, "lab", consumer: true);
            NodeKafkaSettings producer = NodeKafkaSettings.Read(config, "lab", consumer: false);

            Assert.Equal(new[] { "fetch.wait.max.ms=50", "group.id=lab.keys", "security.protocol=SSL", "session.timeout.ms=30000", "ssl.ca.location=/etc/ca.pem" },
                consumer.Entries.Select(e => e.Key + "=" + e.Value).OrderBy(e => e, StringComparer.Ordinal));
            Assert.Equal(new[] { "queue.buffering.max.ms=5", "security.protocol=SSL", "ssl.ca.location=/etc/ca.pem" },
                producer.Entries.Select(e => e.Key + "=" + e.Value).OrderBy(e => e, StringComparer.Ordinal));
            Assert.Equal("[lab-kafka] in KafkaCrypto node file 'lab.config'", consumer.Find("security.protocol")!.Origin);
            Assert.Equal(new[] { "ssl_check_hostname" }, consumer.IgnoredKeys);
        }

        [Fact]
        public void ANodeThatSaysSslBesideABrokerSectionWithoutAProtocolIsRefusedWithWhatToSet()
        {
            // kafkacrypto's simple-provision (and provision-node) write security_protocol : SSL.
            CryptoTestNodes.Provision(_temp.Path, "lab_consumer", NodeRole.Consumer, "enc");
            using var broker = new EmbeddedBroker(1, "enc");
            string config = _temp.Combine("consumer.config");
            File.WriteAllText(config, $"[broker]\nbootstrap.servers = {broker.Broker.BootstrapServers}\n\n[kafkacrypto]\nnode_id = lab_consumer\n");

            var error = Assert.Throws<OpenMsiStreamException>(() => new FileReceiver(KafkaSettings.FromFile(config), new ReceiveOptions("enc")).Dispose());

            Assert.Equal(ErrorIds.ConfigInvalidProperty, error.ErrorId);
            string nodeFile = Path.Combine(_temp.Path, "lab_consumer", "lab_consumer.config");
            Assert.Equal($"KafkaCrypto node 'lab_consumer' would exchange keys with security.protocol SSL ([lab_consumer-kafka] in KafkaCrypto node file '{nodeFile}'), " +
                $"but the program reaches {broker.Broker.BootstrapServers} with PLAINTEXT (no security.protocol in [broker]: librdkafka's default). " +
                $"Set security.protocol in [broker] of config file '{config}'; it applies to both, as in Python OpenMSIStream (PLAINTEXT keeps the data clients as they are).", error.Message);
        }

        [Fact]
        public void AnInvalidSettingInTheNodeFileIsReportedWithItsSectionAndFile()
        {
            CryptoTestNodes.Provision(_temp.Path, "lab_consumer", NodeRole.Consumer, "enc");
            string nodeFile = Path.Combine(_temp.Path, "lab_consumer", "lab_consumer.config");
            NodeConfigFile node = NodeConfigFile.Load(nodeFile);
            node.Set("lab_consumer-kafka-crypto-consumer", "fetch_min_bytes", "not-a-number");
            node.Save();
            using var broker = new EmbeddedBroker(1, "enc");
            string config = CryptoTestNodes.WriteConfig(_temp.Path, "consumer", broker.Broker.BootstrapServers, "lab_consumer");

            var error = Assert.Throws<OpenMsiStreamException>(() => new FileReceiver(KafkaSettings.FromFile(config), new ReceiveOptions("enc")).Dispose());

            Assert.Equal(ErrorIds.ConfigInvalidProperty, error.ErrorId);
            Assert.StartsWith($"[lab_consumer-kafka-crypto-consumer] in KafkaCrypto node file '{nodeFile}': 'fetch.min.bytes = not-a-number' is not a valid setting", error.Message);
        }
    }
}
