using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Primitives;
using OpenMsiStream.Crypto.Trust;

namespace OpenMsiStream.Tests.Crypto.Trust
{
    /// <summary>Builds small synthetic PKIs (deterministic keys, KafkaCrypto-shaped certificates) for rule-by-rule tests.</summary>
    internal static class TestPki
    {
        public const double Future = 2000000000.0;

        public sealed class Key
        {
            public Key(byte seed)
            {
                (PublicKey, SecretKey) = SodiumPrimitives.SignKeyPairFromSeed(Enumerable.Repeat(seed, 32).ToArray());
            }

            public byte[] PublicKey { get; }

            public byte[] SecretKey { get; }

            /// <summary>The allowlist/denylist entry <c>[0, b"\x90", pk]</c>.</summary>
            public byte[] Entry(byte[]? poison = null) => CertificateBytes(0, poison ?? new byte[] { 0x90 }, PublicKey);

            /// <summary>Signs a certificate for <paramref name="subject"/> (the chain element this key issues).</summary>
            public byte[] Issue(double maxAge, byte[] poison, byte[] subject) => CertificateSigner.Sign(CertificateBytes(maxAge, poison, subject), SecretKey);

            public byte[] IssueRaw(byte[] certificate) => CertificateSigner.Sign(certificate, SecretKey);
        }

        public static byte[] CertificateBytes(double maxAge, byte[] poison, byte[] keyField, params byte[][] extraRaw)
        {
            var writer = new MsgWriter().ArrayHeader(3 + extraRaw.Length);
            if (maxAge == Math.Floor(maxAge) && maxAge < int.MaxValue)
            {
                writer.Int((long)maxAge);
            }
            else
            {
                writer.Float64(maxAge);
            }
            writer.Bin(poison).Bin(keyField);
            foreach (byte[] raw in extraRaw)
            {
                writer.Raw(raw);
            }
            return writer.ToArray();
        }

        /// <summary>A poison list; values are string[] (topics/usages) or long (pathlen), in the given order.</summary>
        public static byte[] Poison(params (string Name, object Value)[] entries)
        {
            var writer = new MsgWriter().ArrayHeader(entries.Length);
            foreach ((string name, object value) in entries)
            {
                writer.ArrayHeader(2).Str(name);
                if (value is string[] list)
                {
                    writer.ArrayHeader(list.Length);
                    foreach (string item in list)
                    {
                        writer.Str(item);
                    }
                }
                else
                {
                    writer.Int(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            return writer.ToArray();
        }

        public static byte[] Usages(params string[] usages) => Poison(("usages", usages));

        public static byte[] NodePoison(string topic, params string[] usages) => Poison(("usages", usages), ("topics", new[] { topic }));

        /// <summary>ROT → provisioner (given poison) → node (given poison): the shape simple-provision makes.</summary>
        public static IReadOnlyList<byte[]> Chain(Key rot, byte[] provisionerPoison, Key provisioner, byte[] nodePoison, Key node, double nodeMaxAge = Future) =>
            new[]
            {
                rot.Issue(0, provisionerPoison, provisioner.PublicKey),
                provisioner.Issue(nodeMaxAge, nodePoison, node.PublicKey),
            };

        public static TrustStore Store(IEnumerable<byte[]> allow, IEnumerable<byte[]>? deny = null) => new TrustStore(allow, deny ?? Array.Empty<byte[]>());
    }
}
