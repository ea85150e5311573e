using OpenMsiStream.Crypto.Primitives;

namespace OpenMsiStream.Crypto.Data
{
    /// <summary>Opens one encrypted record key or value with the topic secret its key index names.</summary>
    internal static class TopicDecryptor
    {
        /// <summary>
        /// The plaintext, or null when the MAC does not verify: a wrong secret and tampered bytes look
        /// the same, as in KafkaCrypto (which keeps such a message as "possibly decryptable").
        /// </summary>
        public static byte[]? Decrypt(EncryptedItem item, byte[] topicSecret, bool forKafkaKey)
        {
            (byte[] key, byte[] nonce) = MessageKeyGenerator.Derive(topicSecret, item.Salt, forKafkaKey);
            return SodiumPrimitives.SecretBoxOpen(item.Ciphertext, nonce, key);
        }
    }
}
