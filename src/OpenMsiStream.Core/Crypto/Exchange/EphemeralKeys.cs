using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Primitives;

namespace OpenMsiStream.Crypto.Exchange
{
    /// <summary>
    /// Reads the key field of a request or response leaf. Forms on the wire: a list of keys (the
    /// current form, e.g. <c>[[5,[..]], [2,[..]], x25519_pk]</c>), or one bare key (legacy). A key
    /// is a raw 32-byte X25519 key or <c>[1, pk]</c> (type 1, the only type this profile speaks), or
    /// <c>[version, [x25519_pk, pq_part]]</c> for the post-quantum hybrids 2/3 (sntrup761) and 5/6
    /// (ML-KEM-1024), which are skipped. Like Python, the first usable key in list order wins.
    /// </summary>
    internal static class EphemeralKeys
    {
        public const string PostQuantumOnlyReason =
            "only post-quantum ephemeral keys (types 2/3/5/6) were offered; the classical profile needs an X25519 (type 1) key";

        // Any clamped scalar maps a point of small order to the identity (all-zero output). libsodium
        // (and pysodium, which then raises) reject that; Sodium.Core silently returns zeros, so we check.
        private static readonly byte[] ProbeScalar = Enumerable.Repeat((byte)0x5a, 32).ToArray();

        /// <summary>Every type-1 key in the field, in order; <paramref name="sawPostQuantum"/> when PQ keys were skipped.</summary>
        public static IReadOnlyList<byte[]> X25519Keys(MsgNode keyField, out bool sawPostQuantum)
        {
            sawPostQuantum = false;
            var keys = new List<byte[]>();
            foreach (MsgNode candidate in Candidates(keyField))
            {
                if (TryTypeOne(candidate, out byte[]? key))
                {
                    keys.Add(key!);
                }
                else if (IsPostQuantum(candidate))
                {
                    sawPostQuantum = true;
                }
            }
            return keys;
        }

        /// <summary>True when X25519 with this public key yields the all-zero secret (a small-order point).</summary>
        public static bool IsLowOrder(byte[] publicKey) => IsAllZero(SodiumPrimitives.X25519(ProbeScalar, publicKey));

        public static bool IsAllZero(byte[] bytes) => bytes.All(b => b == 0);

        /// <summary>Why no key was usable, for a reason string.</summary>
        public static string NoneUsable(bool sawPostQuantum) =>
            sawPostQuantum ? PostQuantumOnlyReason : "no X25519 ephemeral key in the leaf";

        private static IEnumerable<MsgNode> Candidates(MsgNode keyField)
        {
            bool singleVersioned = keyField.IsArray && keyField.Items.Count > 0 && keyField.Items[0].Kind == MsgKind.Integer;
            return keyField.IsArray && !singleVersioned ? keyField.Items : new[] { keyField };
        }

        private static bool TryTypeOne(MsgNode node, out byte[]? key)
        {
            key = null;
            if (node.IsBytes && node.Bytes.Length == SodiumPrimitives.X25519Bytes)
            {
                key = node.Bytes;
            }
            else if (Version(node) == 1 && node.Items.Count == 2 && node.Items[1].IsBytes && node.Items[1].Bytes.Length == SodiumPrimitives.X25519Bytes)
            {
                key = node.Items[1].Bytes;
            }
            return key != null;
        }

        private static bool IsPostQuantum(MsgNode node) => Version(node) is long v && (v == 2 || v == 3 || v == 5 || v == 6);

        private static long? Version(MsgNode node) =>
            node.IsArray && node.Items.Count >= 1 && node.Items[0].Kind == MsgKind.Integer ? node.Items[0].Integer : (long?)null;
    }
}
