using System;
using System.Collections.Generic;
using Confluent.Kafka;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Runtime;

namespace OpenMsiStream.Messaging
{
    /// <summary>
    /// A Kafka producer whose keys and values are encrypted with KafkaCrypto when the config has a
    /// <c>[kafkacrypto]</c> node, and sent as they are otherwise; headers are never encrypted (KafkaCrypto
    /// does not). Built by <see cref="SecureMessaging.Producer"/>; its node is released after the producer.
    /// </summary>
    internal sealed class EncryptingProducer : IDisposable
    {
        private readonly KafkaCryptoNode? _node;
        private readonly Dictionary<string, MessageEncryptor> _encryptors = new Dictionary<string, MessageEncryptor>(StringComparer.Ordinal);

        internal EncryptingProducer(KafkaCryptoNode? node, string? topic, Func<IProducer<byte[], byte[]>> build)
        {
            _node = node;
            try
            {
                if (topic != null && node != null)
                {
                    EncryptorFor(topic);
                }
                Producer = build();
            }
            catch
            {
                node?.Release();
                throw;
            }
        }

        /// <summary>The librdkafka producer: hand it only messages made by <see cref="Encrypt"/>.</summary>
        public IProducer<byte[], byte[]> Producer { get; }

        /// <summary>Whether messages are encrypted (KafkaCrypto is on).</summary>
        public bool Encrypts => _node != null;

        /// <summary>The KafkaCrypto node encrypting the messages, or null when they are sent in the clear.</summary>
        public string? CryptoNodeId => _node?.NodeId;

        /// <summary>How much KafkaCrypto's envelope can add to a message (its key and its value).</summary>
        public int EnvelopeBytes => _node != null ? 2 * EncryptedItem.MaxOverheadBytes : 0;

        /// <summary>The message for <paramref name="topic"/>: key and value encrypted with this run's key of its root (null stays null).</summary>
        public Message<byte[], byte[]> Encrypt(string topic, byte[] key, byte[] value, Headers? headers = null)
        {
            if (_node == null)
            {
                return new Message<byte[], byte[]> { Key = key, Value = value, Headers = headers };
            }
            MessageEncryptor encryptor = EncryptorFor(topic);
            return new Message<byte[], byte[]> { Key = encryptor.Key(key)!, Value = encryptor.Value(value)!, Headers = headers };
        }

        public void Dispose()
        {
            Producer.Dispose();
            _node?.Release();
        }

        private MessageEncryptor EncryptorFor(string topic)
        {
            lock (_encryptors)
            {
                if (!_encryptors.TryGetValue(topic, out MessageEncryptor? encryptor))
                {
                    encryptor = _node!.EncryptorFor(topic);
                    _encryptors[topic] = encryptor;
                }
                return encryptor;
            }
        }
    }
}
