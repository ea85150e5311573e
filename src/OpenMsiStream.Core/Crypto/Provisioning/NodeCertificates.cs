using System.Collections.Generic;
using OpenMsiStream.Crypto.Encoding;

namespace OpenMsiStream.Crypto.Provisioning
{
    /// <summary>
    /// The unsigned certificates of a provisioning run, encoded as KafkaCrypto's tools encode them:
    /// <c>[max_age, bin(msgpack(poison)), bin(public key)]</c> with str names and values inside the
    /// poison, 0 (an integer) for "never expires" and float64 for an expiry time.
    /// </summary>
    internal static class NodeCertificates
    {
        public const string AllTopics = "^.*$";

        /// <summary>The usages a role's certificate grants, in simple-provision's order.</summary>
        public static IReadOnlyList<string> Usages(NodeRole role) => role switch
        {
            NodeRole.Producer => new[] { "key-encrypt" },
            NodeRole.Consumer => new[] { "key-encrypt-request", "key-encrypt-subscribe" },
            _ => new[] { "key-encrypt", "key-encrypt-request", "key-encrypt-subscribe" },
        };

        /// <summary>The provisioner key (and so its password-derived salt) that signs a role's nodes.</summary>
        public static string ProvisionerRole(NodeRole role) => role switch
        {
            NodeRole.Producer => "producer",
            NodeRole.Consumer => "consumer",
            _ => "prodcon",
        };

        /// <summary>A provisioner's certificate, signed by the root: <c>[0, [["usages", U]], provisioner_pk]</c>.</summary>
        public static byte[] Provisioner(IReadOnlyList<string> usages, byte[] provisionerPublicKey) =>
            Certificate(w => w.Int(0), Poison(usages, null), provisionerPublicKey);

        /// <summary>A node's certificate, signed by its provisioner: <c>[expiry, [["usages", U], ["topics", T]], node_pk]</c>.</summary>
        public static byte[] Node(double expiry, IReadOnlyList<string> usages, IReadOnlyList<string> topics, byte[] nodePublicKey) =>
            Certificate(w => w.Float64(expiry), Poison(usages, topics), nodePublicKey);

        /// <summary>An allowlist entry for a root: <c>[0, bin(0x90 = no restrictions), root_pk]</c>.</summary>
        public static byte[] AllowlistEntry(byte[] rootPublicKey) =>
            Certificate(w => w.Int(0), new MsgWriter().ArrayHeader(0).ToArray(), rootPublicKey);

        /// <summary>A chain: msgpack array of the signed certificates, root side first.</summary>
        public static byte[] Chain(params byte[][] signedCertificates)
        {
            var writer = new MsgWriter().ArrayHeader(signedCertificates.Length);
            foreach (byte[] signed in signedCertificates)
            {
                writer.Bin(signed);
            }
            return writer.ToArray();
        }

        private static byte[] Poison(IReadOnlyList<string> usages, IReadOnlyList<string>? topics)
        {
            var writer = new MsgWriter().ArrayHeader(topics == null ? 1 : 2);
            Restriction(writer, "usages", usages);
            if (topics != null)
            {
                Restriction(writer, "topics", topics);
            }
            return writer.ToArray();
        }

        private static void Restriction(MsgWriter writer, string name, IReadOnlyList<string> values)
        {
            writer.ArrayHeader(2).Str(name).ArrayHeader(values.Count);
            foreach (string value in values)
            {
                writer.Str(value);
            }
        }

        private static byte[] Certificate(System.Action<MsgWriter> maxAge, byte[] poison, byte[] publicKey)
        {
            var writer = new MsgWriter().ArrayHeader(3);
            maxAge(writer);
            return writer.Bin(poison).Bin(publicKey).ToArray();
        }
    }
}
