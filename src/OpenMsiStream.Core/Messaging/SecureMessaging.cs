using System;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Runtime;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Messaging
{
    /// <summary>
    /// The one place where Kafka clients meet KafkaCrypto: every producer of data, results, heartbeats
    /// and logs is an <see cref="EncryptingProducer"/>, every reader decrypts through a
    /// <see cref="ConsumerDecryption"/>, and both hold their share of the process's node for as long as
    /// they live. Kafka knows nothing of Crypto, Crypto runs its key exchange over Kafka, and the clients
    /// see neither the node nor its encryptors.
    /// </summary>
    internal static class SecureMessaging
    {
        /// <summary>
        /// A producer that encrypts when the settings turn KafkaCrypto on. With <paramref name="topic"/>, a
        /// node that may not encrypt for it is refused before the producer is built.
        /// </summary>
        public static EncryptingProducer Producer(KafkaSettings settings, ClientPropertySet properties, ClientDiagnostics diagnostics,
            PartitionerDelegate? partitioner = null, string? topic = null) =>
            new EncryptingProducer(KafkaCryptoNode.Acquire(settings, diagnostics), topic, () => KafkaClientFactory.BuildProducer(properties, diagnostics, partitioner));

        /// <summary>
        /// Decryption for one consumer, or null when the settings do not turn KafkaCrypto on. Without
        /// <paramref name="options"/> (heartbeats, taking stock of a topic: small, frequent messages) the
        /// waits for keys are shorter than for data files.
        /// </summary>
        public static ConsumerDecryption? Decryption(KafkaSettings settings, ClientDiagnostics diagnostics, DecryptionOptions? options = null)
        {
            KafkaCryptoNode? node = KafkaCryptoNode.Acquire(settings, diagnostics);
            return node == null ? null
                : new ConsumerDecryption(node, options ?? new DecryptionOptions { InitialWait = TimeSpan.FromSeconds(20), Wait = TimeSpan.FromSeconds(2) });
        }
    }
}
