using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Primitives;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// The producer's earlier topic secrets, kept in <c>[&lt;node&gt;-crypto] oldkeys</c> of the
    /// <c>.config</c> so that a restarted producer can still answer requests for them. The value is
    /// <c>base64#</c> of wrap_opaque(msgpack(<c>{"pgens": [[root, key_index, secret, birth], …]}</c>)),
    /// where wrap_opaque is a secretbox under the node's <c>ek</c> with a random nonce in front, so
    /// the config itself stays non-secret.
    /// </summary>
    internal static class OldKeys
    {
        public const string Key = "oldkeys";
        private const string GenerationsField = "pgens";

        /// <summary>Reads the stored keys from the config file on disk (not the copy loaded earlier); empty when there are none.</summary>
        public static IReadOnlyList<ProducerKey> Read(CryptoNodeFiles node)
        {
            NodeConfigFile config = NodeConfigFile.Load(node.ConfigPath);
            string? raw = config.GetWithDefaults(Section(node), Key);
            if (raw == null)
            {
                return Array.Empty<ProducerKey>();
            }
            if (!ConfigValue.TryDecodeBytes(raw, out byte[] wrapped))
            {
                throw NodeErrors.Invalid(node.ConfigPath, $"'{Key}' in [{Section(node)}] is not a base64# value");
            }
            byte[] plain = Unwrap(node.WrappingKey, wrapped)
                ?? throw NodeErrors.Invalid(node.ConfigPath, $"'{Key}' in [{Section(node)}] cannot be decrypted with this node's wrapping key (was the .crypto file replaced?)");
            try
            {
                return Decode(plain);
            }
            catch (Exception ex) when (ex is MsgPackFormatException || ex is OverflowException)
            {
                throw NodeErrors.Invalid(node.ConfigPath, $"'{Key}' in [{Section(node)}] does not hold a list of producer keys ({ex.Message})", ex);
            }
        }

        /// <summary>Replaces the stored keys, rewriting only that value of the config, atomically.</summary>
        public static void Save(CryptoNodeFiles node, IReadOnlyList<ProducerKey> keys)
        {
            NodeConfigFile config = NodeConfigFile.Load(node.ConfigPath);
            config.Set(Section(node), Key, ConfigValue.EncodeBytes(Wrap(node.WrappingKey, Encode(keys))));
            config.Save();
        }

        /// <summary>KafkaCrypto's wrap_opaque: <c>nonce(24) ‖ secretbox(plaintext, nonce, ek)</c>; a random nonce unless one is given (tests).</summary>
        public static byte[] Wrap(byte[] ek, byte[] plaintext, byte[]? nonce = null)
        {
            byte[] n = nonce ?? SodiumPrimitives.Random(SodiumPrimitives.SecretBoxNonceBytes);
            byte[] boxed = SodiumPrimitives.SecretBox(plaintext, n, ek);
            var wrapped = new byte[n.Length + boxed.Length];
            Buffer.BlockCopy(n, 0, wrapped, 0, n.Length);
            Buffer.BlockCopy(boxed, 0, wrapped, n.Length, boxed.Length);
            return wrapped;
        }

        /// <summary>KafkaCrypto's unwrap_opaque; null when the bytes are too short or do not authenticate under <paramref name="ek"/>.</summary>
        public static byte[]? Unwrap(byte[] ek, byte[] wrapped)
        {
            int nonceBytes = SodiumPrimitives.SecretBoxNonceBytes;
            if (wrapped.Length < nonceBytes + SodiumPrimitives.SecretBoxMacBytes)
            {
                return null;
            }
            byte[] nonce = wrapped.Take(nonceBytes).ToArray();
            byte[] boxed = wrapped.Skip(nonceBytes).ToArray();
            return SodiumPrimitives.SecretBoxOpen(boxed, nonce, ek);
        }

        /// <summary>msgpack <c>{"pgens": [[root (str), key index, secret (bin), birth (float64)], …]}</c>.</summary>
        public static byte[] Encode(IReadOnlyList<ProducerKey> keys)
        {
            var writer = new MsgWriter().MapHeader(1).Str(GenerationsField).ArrayHeader(keys.Count);
            foreach (ProducerKey key in keys)
            {
                writer.ArrayHeader(4).Str(key.Root);
                key.KeyIndex.WriteTo(writer);
                writer.Bin(key.Secret).Float64(key.Birth);
            }
            return writer.ToArray();
        }

        public static IReadOnlyList<ProducerKey> Decode(byte[] plaintext)
        {
            MsgNode root = MsgNode.Parse(plaintext);
            if (root.Kind != MsgKind.Map)
            {
                throw new MsgPackFormatException($"expected a map, found {root.Kind}");
            }
            KeyValuePair<MsgNode, MsgNode> generations = root.Entries.FirstOrDefault(e => e.Key.IsBytes && e.Key.AsText() == GenerationsField);
            if (generations.Value == null)
            {
                return Array.Empty<ProducerKey>();
            }
            return generations.Value.AsArray().Select(entry =>
            {
                IReadOnlyList<MsgNode> items = entry.AsArray(4);
                return new ProducerKey(items[0].AsText(), KeyIndex.FromNode(items[1]), items[2].AsBytes(), items[3].AsNumber());
            }).ToList();
        }

        private static string Section(CryptoNodeFiles node) => node.NodeId + "-crypto";
    }
}
