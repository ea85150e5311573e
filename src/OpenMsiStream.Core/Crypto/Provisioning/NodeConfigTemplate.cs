using System.Collections.Generic;
using System.Text;
using OpenMsiStream.Crypto.Node;

namespace OpenMsiStream.Crypto.Provisioning
{
    /// <summary>
    /// The <c>.config</c> of a freshly provisioned node, laid out as KafkaCrypto's KafkaCryptoStore
    /// writes it (same sections, order, <c> : </c> delimiter and value encodings), minus the public
    /// <c>temporary</c> root. The Kafka sections keep the library's placeholders; the broker settings
    /// come from the product's own configuration at run time, as OpenMSIStream does.
    /// </summary>
    internal static class NodeConfigTemplate
    {
        public static string Render(string nodeId, byte[] allowlistEntry, double maxAge, byte[] chain, double? subscriptionInterval)
        {
            var text = new StringBuilder();
            Section(text, "DEFAULT", ("node_id", nodeId));
            var node = new List<(string, string)>
            {
                ("mgmt_long_keyindex", ConfigValue.EncodeBool(true)),
                ("cryptokey", ConfigValue.FilePrefix + nodeId + ".crypto"),
                ("ratchet", ConfigValue.FilePrefix + nodeId + ".seed"),
            };
            if (subscriptionInterval.HasValue)
            {
                node.Add(("crypto_sub_interval", ConfigValue.EncodeNumber(subscriptionInterval.Value)));
            }
            Section(text, nodeId, node.ToArray());
            Section(text, nodeId + "-allowlist", ("rot0", ConfigValue.EncodeBytes(allowlistEntry)));
            Section(text, nodeId + "-denylist");
            Section(text, nodeId + "-crypto", ("maxage", ConfigValue.EncodeNumber(maxAge)));
            Section(text, nodeId + "-kafka", ("bootstrap_servers", string.Empty), ("security_protocol", "SSL"));
            foreach (string suffix in new[] { "-kafka-consumer", "-kafka-producer", "-kafka-crypto", "-kafka-crypto-consumer", "-kafka-crypto-producer" })
            {
                Section(text, nodeId + suffix);
            }
            Section(text, nodeId + "-chains", ("chain0", ConfigValue.EncodeBytes(chain)));
            return text.ToString();
        }

        private static void Section(StringBuilder text, string name, params (string Key, string Value)[] entries)
        {
            text.Append('[').Append(name).Append("]\n");
            foreach ((string key, string value) in entries)
            {
                text.Append(key).Append(" : ").Append(value).Append('\n');
            }
            text.Append('\n');
        }
    }
}
