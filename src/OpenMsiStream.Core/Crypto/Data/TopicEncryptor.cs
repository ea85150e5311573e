using System;
using OpenMsiStream.Crypto.Primitives;

namespace OpenMsiStream.Crypto.Data
{
    /// <summary>
    /// Encrypts record keys and values for one (root topic, key generation) of a producer. Keys and
    /// values have separate counters, exactly as KafkaCrypto's serializers do, so that the n-th key
    /// and the n-th value share a salt but never a message key (the personalisation differs).
    /// Thread-safe: each call takes a fresh salt.
    /// </summary>
    internal sealed class TopicEncryptor
    {
        private readonly MessageKeyGenerator _keys;
        private readonly MessageKeyGenerator _values;

        public TopicEncryptor(string root, KeyIndex keyIndex, byte[] topicSecret)
        {
            Root = root ?? throw new ArgumentNullException(nameof(root));
            KeyIndex = keyIndex ?? throw new ArgumentNullException(nameof(keyIndex));
            TopicSecret = topicSecret ?? throw new ArgumentNullException(nameof(topicSecret));
            _keys = new MessageKeyGenerator(topicSecret, forKafkaKey: true);
            _values = new MessageKeyGenerator(topicSecret, forKafkaKey: false);
        }

        public string Root { get; }

        public KeyIndex KeyIndex { get; }

        /// <summary>The 32-byte topic secret (what a key response hands to consumers). Never log it.</summary>
        public byte[] TopicSecret { get; }

        /// <summary>Encrypts a Kafka record key; returns the wire bytes.</summary>
        public byte[] EncryptKey(byte[] plaintext) => Encrypt(_keys, plaintext);

        /// <summary>Encrypts a Kafka record value; returns the wire bytes.</summary>
        public byte[] EncryptValue(byte[] plaintext) => Encrypt(_values, plaintext);

        private byte[] Encrypt(MessageKeyGenerator generator, byte[] plaintext)
        {
            if (plaintext == null)
            {
                throw new ArgumentNullException(nameof(plaintext), "A null Kafka key or value is never encrypted; pass it through unchanged.");
            }
            (byte[] salt, byte[] key, byte[] nonce) = generator.Next();
            return new EncryptedItem(KeyIndex, salt, SodiumPrimitives.SecretBox(plaintext, nonce, key)).Encode();
        }

        public override string ToString() => $"encryptor for root '{Root}', key {KeyIndex}";
    }
}
