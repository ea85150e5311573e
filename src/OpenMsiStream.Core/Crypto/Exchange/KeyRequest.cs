using System.Collections.Generic;
using OpenMsiStream.Crypto.Data;

namespace OpenMsiStream.Crypto.Exchange
{
    /// <summary>A key request whose chain was verified for <c>key-encrypt-request</c> on its root.</summary>
    internal sealed class KeyRequest
    {
        public KeyRequest(IReadOnlyList<KeyIndex> wanted, byte[] peerPublicKey, byte[] random0, double expiresAt)
        {
            Wanted = wanted;
            PeerPublicKey = peerPublicKey;
            Random0 = random0;
            ExpiresAt = expiresAt;
        }

        /// <summary>The key indices from the Kafka key (possibly some another producer holds).</summary>
        public IReadOnlyList<KeyIndex> Wanted { get; }

        /// <summary>The requester's ephemeral X25519 public key (KafkaCrypto key-exchange type 1).</summary>
        public byte[] PeerPublicKey { get; }

        /// <summary>The requester's random value; the response echoes it so the requester can match it.</summary>
        public byte[] Random0 { get; }

        /// <summary>The chain's effective expiry including the leaf (Unix seconds; 0 = never).</summary>
        public double ExpiresAt { get; }
    }
}
