using System;
using System.Threading;
using OpenMsiStream.Crypto.Runtime;

namespace OpenMsiStream.Messaging
{
    /// <summary>
    /// Decrypts what one consumer reads, with its wait for keys (<see cref="DecryptionOptions"/>). Built
    /// by <see cref="SecureMessaging.Decryption"/>; disposed after the consumer, it releases the node.
    /// </summary>
    internal sealed class ConsumerDecryption : IDisposable
    {
        private readonly KafkaCryptoNode _node;
        private readonly MessageDecryptor _decryptor;

        internal ConsumerDecryption(KafkaCryptoNode node, DecryptionOptions options)
        {
            _node = node;
            _decryptor = new MessageDecryptor(node, options);
        }

        /// <summary>The KafkaCrypto node decrypting (for error messages).</summary>
        public string NodeId => _node.NodeId;

        public DecryptedMessage Decrypt(string topic, byte[]? key, byte[]? value, CancellationToken cancellationToken) =>
            _decryptor.Decrypt(topic, key, value, cancellationToken);

        public void Dispose() => _node.Release();
    }
}
