using System;
using System.Collections.Generic;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Primitives;

namespace OpenMsiStream.Crypto.Data
{
    /// <summary>
    /// One encrypted Kafka record key or value on the wire: <c>0x01 ‖ msgpack([key index, salt16,
    /// secretbox])</c>, where the secretbox is MAC ‖ ciphertext and the nonce is never sent (it is
    /// derived from the salt). Anything else is not KafkaCrypto data; the Python deserializer hands
    /// such bytes on as "never decryptable".
    /// </summary>
    internal sealed class EncryptedItem
    {
        public const byte Magic = 0x01;

        /// <summary>Worst-case growth of an item with a long key index: 1 + 1 + 34 + 18 + 5 (bin32 header) + 16 (MAC).</summary>
        public const int MaxOverheadBytes = 75;

        public EncryptedItem(KeyIndex keyIndex, byte[] salt, byte[] ciphertext)
        {
            KeyIndex = keyIndex ?? throw new ArgumentNullException(nameof(keyIndex));
            Salt = salt ?? throw new ArgumentNullException(nameof(salt));
            Ciphertext = ciphertext ?? throw new ArgumentNullException(nameof(ciphertext));
        }

        public KeyIndex KeyIndex { get; }

        public byte[] Salt { get; }

        /// <summary>MAC(16) ‖ XSalsa20 ciphertext.</summary>
        public byte[] Ciphertext { get; }

        /// <summary>
        /// Reads the wire format. False for any other bytes: wrong magic, not msgpack, not a 3-item
        /// array, or items of the wrong kind or size (a salt that is not 16 bytes or a box shorter than
        /// its MAC could never be opened either).
        /// </summary>
        public static bool TryParse(byte[] wire, out EncryptedItem? item)
        {
            item = null;
            if (wire == null || wire.Length < 2 || wire[0] != Magic)
            {
                return false;
            }
            var body = new byte[wire.Length - 1];
            Buffer.BlockCopy(wire, 1, body, 0, body.Length);
            if (!MsgNode.TryParse(body, out MsgNode? node) || node == null || !node.IsArray || node.Items.Count != 3)
            {
                return false;
            }
            IReadOnlyList<MsgNode> items = node.Items;
            if (!(items[0].IsBytes || items[0].Kind == MsgKind.Integer) || !items[1].IsBytes || !items[2].IsBytes)
            {
                return false;
            }
            KeyIndex keyIndex;
            try
            {
                keyIndex = KeyIndex.FromNode(items[0]);
            }
            catch (MsgPackFormatException)
            {
                return false; // an integer beyond Int64
            }
            byte[] salt = items[1].AsBytes();
            byte[] ciphertext = items[2].AsBytes();
            if (salt.Length != MessageKeyGenerator.SaltBytes || ciphertext.Length < SodiumPrimitives.SecretBoxMacBytes)
            {
                return false;
            }
            item = new EncryptedItem(keyIndex, salt, ciphertext);
            return true;
        }

        public byte[] Encode()
        {
            var writer = new MsgWriter().Raw(new[] { Magic }).ArrayHeader(3);
            KeyIndex.WriteTo(writer);
            return writer.Bin(Salt).Bin(Ciphertext).ToArray();
        }
    }
}
