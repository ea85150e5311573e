using System;
using OpenMsiStream.Crypto.Primitives;

namespace OpenMsiStream.Crypto.Data
{
    /// <summary>
    /// Derivations from a producer's ratchet state to what names and protects one root topic's data:
    /// the root itself, the topic secret and the key index that tells consumers which secret to ask for.
    /// </summary>
    internal static class TopicKeys
    {
        public const int TopicSecretBytes = 32;
        public const int LongKeyIndexBytes = 32;

        /// <summary>The root topic: everything before the first separator, or the whole name (keys are shared by all topics of a root).</summary>
        public static string RootOf(string topic, string separator = ".")
        {
            int at = separator.Length == 0 ? 0 : topic.IndexOf(separator, StringComparison.Ordinal);
            return at >= 0 ? topic.Substring(0, at) : topic;
        }

        /// <summary>
        /// BLAKE2b(key = ratchet secret, salt = SHA-256(root)[0:16], personal = SHA-256(root)[16:32], 32 bytes),
        /// with the root as UTF-8.
        /// </summary>
        public static byte[] TopicSecret(byte[] ratchetSecret, string root)
        {
            byte[] hash = SodiumPrimitives.Sha256(new System.Text.UTF8Encoding(false).GetBytes(root));
            var salt = new byte[16];
            var personal = new byte[16];
            Buffer.BlockCopy(hash, 0, salt, 0, 16);
            Buffer.BlockCopy(hash, 16, personal, 0, 16);
            return SodiumPrimitives.Blake2bSaltPersonal(ratchetSecret, salt, personal, TopicSecretBytes);
        }

        /// <summary>The default key index: unkeyed BLAKE2b-256 of node id ‖ ratchet index as 16 bytes big-endian.</summary>
        public static KeyIndex LongKeyIndex(byte[] nodeIdBytes, long ratchetIndex)
        {
            if (ratchetIndex < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(ratchetIndex), "A ratchet index is never negative.");
            }
            var input = new byte[nodeIdBytes.Length + 16];
            Buffer.BlockCopy(nodeIdBytes, 0, input, 0, nodeIdBytes.Length);
            for (int i = 0; i < 8; i++)
            {
                input[input.Length - 1 - i] = (byte)(ratchetIndex >> (8 * i));
            }
            return KeyIndex.FromBytes(SodiumPrimitives.Blake2b(input, LongKeyIndexBytes));
        }

        /// <summary>The legacy key index (single producer only): the ratchet index itself.</summary>
        public static KeyIndex ShortKeyIndex(long ratchetIndex) => KeyIndex.FromNumber(ratchetIndex);
    }
}
