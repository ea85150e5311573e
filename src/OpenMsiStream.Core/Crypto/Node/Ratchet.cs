using System.Collections.Generic;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Primitives;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// The forward hash chain in the <c>.seed</c> file, msgpack <c>[index, secret32]</c>. A process
    /// takes the stored state for itself and durably stores the next one before using it, so a crash
    /// or a second start can never run with the same (index, secret) again: that would repeat
    /// (key, nonce) pairs. Old secrets cannot be recovered from newer ones.
    /// </summary>
    internal static class Ratchet
    {
        public const int SecretBytes = 32;

        private static readonly byte[] ZeroSalt = new byte[16];
        private static readonly byte[] RatchetPersonal = Personal("ratchet");

        /// <summary>
        /// Returns the stored state for this run and replaces the file with <c>[index+1, Step(secret)]</c>
        /// (temporary file, flushed to disk, renamed; owner-only). Call once per process start.
        /// </summary>
        public static RatchetStep Advance(string seedPath)
        {
            RatchetStep current = Read(seedPath);
            byte[] next = new MsgWriter().ArrayHeader(2).Int(current.Index + 1).Bin(Step(current.Secret)).ToArray();
            NodeFileIO.ReplaceSecret(seedPath, next);
            return current;
        }

        /// <summary>Reads the stored state without changing it.</summary>
        public static RatchetStep Read(string seedPath)
        {
            byte[] data = NodeFileIO.ReadAll(seedPath, "ratchet (.seed) file");
            try
            {
                IReadOnlyList<MsgNode> items = MsgNode.Parse(data).AsArray(2);
                long index = items[0].AsInteger();
                byte[] secret = items[1].AsBytes();
                if (index < 0 || index == long.MaxValue)
                {
                    throw NodeErrors.Invalid(seedPath, "its ratchet index is out of range");
                }
                if (secret.Length != SecretBytes)
                {
                    throw NodeErrors.Invalid(seedPath, $"its ratchet secret is {secret.Length} bytes, not {SecretBytes}");
                }
                return new RatchetStep(index, secret);
            }
            catch (MsgPackFormatException ex)
            {
                throw NodeErrors.Invalid(seedPath, "it is not a KafkaCrypto ratchet file [index, secret] (" + ex.Message + ")", ex);
            }
        }

        /// <summary>The next secret: BLAKE2b(key = secret, salt = 16 zero bytes, personal = "ratchet" + 9 zero bytes, 32 bytes).</summary>
        public static byte[] Step(byte[] secret) => SodiumPrimitives.Blake2bSaltPersonal(secret, ZeroSalt, RatchetPersonal, SecretBytes);

        /// <summary>A 16-byte BLAKE2b personalisation: the ASCII text, zero padded.</summary>
        internal static byte[] Personal(string text)
        {
            var personal = new byte[16];
            System.Text.Encoding.ASCII.GetBytes(text, 0, text.Length, personal, 0);
            return personal;
        }
    }
}
