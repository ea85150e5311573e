using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>
    /// The one conflict between a node's own Kafka settings and the program's that cannot work: the key
    /// exchange connects to the same bootstrap servers as the data clients (the program's [broker]
    /// always names them), so a different security protocol taken from the node file (kafkacrypto's
    /// simple-provision writes <c>security_protocol : SSL</c>) meets a listener that speaks another one,
    /// and keys would never arrive. Python OpenMSIStream fails that way silently; this says so at start.
    /// </summary>
    internal static class KeyExchangeSettingsCheck
    {
        private const string Protocol = "security.protocol";

        public static void RequireSameProtocol(KafkaSettings settings, CryptoNodeFiles node, ClientPropertySet keyExchange)
        {
            ClientPropertySet data = KafkaClientFactory.ConsumerProperties(settings, "data");
            string dataProtocol = data[Protocol] ?? "PLAINTEXT";
            ConfigEntry? nodeProtocol = keyExchange.Entry(Protocol);
            if (nodeProtocol == null || string.Equals(nodeProtocol.Value, dataProtocol, System.StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
            throw new OpenMsiStreamException(ErrorIds.ConfigInvalidProperty,
                $"KafkaCrypto node '{node.NodeId}' would exchange keys with security.protocol {nodeProtocol.Value} ({nodeProtocol.Origin}), " +
                $"but the program reaches {settings.BootstrapServers} with {dataProtocol} ({data.Entry(Protocol)?.Origin ?? "no security.protocol in [broker]: librdkafka's default"}). " +
                $"Set security.protocol in [broker] of {settings.Source}; it applies to both, as in Python OpenMSIStream (PLAINTEXT keeps the data clients as they are).",
                target: node.ConfigPath);
        }
    }
}
