using System;
using OpenMsiStream.Crypto.Primitives;

namespace OpenMsiStream.Crypto.Data
{
    /// <summary>
    /// Hands out a fresh (salt, key, nonce) for every Kafka record key, or every record value, of one
    /// topic secret. The salt is a 16-byte little-endian counter starting at 0 and is sent with the
    /// message; key and nonce come from BLAKE2b(key = topic secret, salt, personal = "key"/"value").
    /// The counter is advanced under a lock before the salt is used, so no two callers, however
    /// concurrent, ever get the same salt (the same salt twice would reuse a key and nonce).
    /// </summary>
    internal sealed class MessageKeyGenerator
    {
        public const int SaltBytes = 16;
        private const int DerivedBytes = 56;

        private static readonly byte[] KeyPersonal = Personal("key");
        private static readonly byte[] ValuePersonal = Personal("value");

        private readonly object _lock = new object();
        private readonly byte[] _topicSecret;
        private readonly bool _forKafkaKey;
        private readonly byte[] _counter = new byte[SaltBytes];
        private bool _exhausted;

        public MessageKeyGenerator(byte[] topicSecret, bool forKafkaKey)
        {
            _topicSecret = topicSecret ?? throw new ArgumentNullException(nameof(topicSecret));
            _forKafkaKey = forKafkaKey;
        }

        /// <summary>The next salt and the key and nonce derived from it.</summary>
        public (byte[] Salt, byte[] Key, byte[] Nonce) Next()
        {
            byte[] salt;
            lock (_lock)
            {
                if (_exhausted)
                {
                    throw new InvalidOperationException("The 128-bit message counter is exhausted; a new key generation is needed.");
                }
                salt = (byte[])_counter.Clone();
                _exhausted = Increment(_counter);
            }
            (byte[] key, byte[] nonce) = Derive(_topicSecret, salt, _forKafkaKey);
            return (salt, key, nonce);
        }

        /// <summary>kn = BLAKE2b(key = topic secret, salt, personal, 56 bytes): message key = kn[0:32], nonce = kn[32:56].</summary>
        public static (byte[] Key, byte[] Nonce) Derive(byte[] topicSecret, byte[] salt, bool forKafkaKey)
        {
            byte[] kn = SodiumPrimitives.Blake2bSaltPersonal(topicSecret, salt, forKafkaKey ? KeyPersonal : ValuePersonal, DerivedBytes);
            var key = new byte[SodiumPrimitives.SecretBoxKeyBytes];
            var nonce = new byte[SodiumPrimitives.SecretBoxNonceBytes];
            Buffer.BlockCopy(kn, 0, key, 0, key.Length);
            Buffer.BlockCopy(kn, key.Length, nonce, 0, nonce.Length);
            return (key, nonce);
        }

        /// <summary>Adds one to a little-endian counter; true when it wrapped around to zero.</summary>
        private static bool Increment(byte[] counter)
        {
            for (int i = 0; i < counter.Length; i++)
            {
                if (++counter[i] != 0)
                {
                    return false;
                }
            }
            return true;
        }

        private static byte[] Personal(string text)
        {
            var personal = new byte[16];
            System.Text.Encoding.ASCII.GetBytes(text, 0, text.Length, personal, 0);
            return personal;
        }
    }
}
