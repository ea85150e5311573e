using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Primitives;
using OpenMsiStream.Crypto.Trust;

namespace OpenMsiStream.Crypto.Exchange
{
    /// <summary>
    /// The encrypted payload of a key response. Box key
    /// <c>ss = SHA-256(root_utf8 || random0 || random1 || X25519(esk, peer_epk))</c>; payload
    /// <c>nonce(24) || secretbox(msgpack([ki0, secret0, ki1, secret1, ...]), nonce, ss)</c>.
    /// Both randoms bind the box to one request and one response; the root binds it to the topic.
    /// </summary>
    internal static class ResponseBox
    {
        public const int SecretBytes = 32;

        public static byte[] SharedSecret(string root, byte[] random0, byte[] random1, byte[] kemSecret)
        {
            byte[] rootBytes = System.Text.Encoding.UTF8.GetBytes(root);
            var input = new byte[rootBytes.Length + random0.Length + random1.Length + kemSecret.Length];
            int at = 0;
            foreach (byte[] part in new[] { rootBytes, random0, random1, kemSecret })
            {
                Buffer.BlockCopy(part, 0, input, at, part.Length);
                at += part.Length;
            }
            return SodiumPrimitives.Sha256(input);
        }

        public static byte[] Seal(IReadOnlyList<(KeyIndex KeyIndex, byte[] Secret)> keys, byte[] sharedSecret, byte[] nonce)
        {
            var writer = new MsgWriter().ArrayHeader(keys.Count * 2);
            foreach ((KeyIndex keyIndex, byte[] secret) in keys)
            {
                keyIndex.WriteTo(writer);
                writer.Bin(secret);
            }
            byte[] boxed = SodiumPrimitives.SecretBox(writer.ToArray(), nonce, sharedSecret);
            var field = new byte[nonce.Length + boxed.Length];
            Buffer.BlockCopy(nonce, 0, field, 0, nonce.Length);
            Buffer.BlockCopy(boxed, 0, field, nonce.Length, boxed.Length);
            return field;
        }

        /// <summary>
        /// Opens the box field. As in Python, the plaintext must be a non-empty list of
        /// (key index, secret) pairs without repeated key indices; secrets must be 32 bytes.
        /// </summary>
        public static bool TryOpen(byte[] boxField, byte[] sharedSecret, out IReadOnlyList<(KeyIndex KeyIndex, byte[] Secret)> keys, out string reason)
        {
            keys = Array.Empty<(KeyIndex, byte[])>();
            int nonceBytes = SodiumPrimitives.SecretBoxNonceBytes;
            if (boxField.Length < nonceBytes + SodiumPrimitives.SecretBoxMacBytes)
            {
                reason = "the key box is too short";
                return false;
            }
            byte[] nonce = boxField.Take(nonceBytes).ToArray();
            byte[] boxed = boxField.Skip(nonceBytes).ToArray();
            byte[]? plaintext = SodiumPrimitives.SecretBoxOpen(boxed, nonce, sharedSecret);
            if (plaintext == null)
            {
                reason = "the key box does not open with the shared secret";
                return false;
            }
            if (!HostileMsgPack.TryParse(plaintext, out MsgNode? list) || !list!.IsArray || list.Items.Count == 0 || list.Items.Count % 2 != 0)
            {
                reason = "the key box does not hold (key index, secret) pairs";
                return false;
            }
            var pairs = new List<(KeyIndex, byte[])>(list.Items.Count / 2);
            for (int i = 0; i < list.Items.Count; i += 2)
            {
                MsgNode index = list.Items[i];
                MsgNode secret = list.Items[i + 1];
                if (!(index.IsBytes || (index.Kind == MsgKind.Integer && !index.UnsignedInteger.HasValue)) || !secret.IsBytes || secret.Bytes.Length != SecretBytes)
                {
                    reason = "the key box holds a malformed (key index, secret) pair";
                    return false;
                }
                KeyIndex keyIndex = KeyIndex.FromNode(index);
                if (pairs.Any(p => p.Item1.Equals(keyIndex)))
                {
                    reason = "the key box repeats a key index";
                    return false;
                }
                pairs.Add((keyIndex, secret.Bytes));
            }
            keys = pairs;
            reason = string.Empty;
            return true;
        }
    }
}
