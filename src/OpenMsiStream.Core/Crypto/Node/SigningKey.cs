using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// One identity key of a node that this implementation can sign with. Only KafkaCrypto key type 1
    /// (Ed25519, libsodium's 64-byte secret key = seed ‖ public key) exists in the classical profile.
    /// </summary>
    internal sealed class SigningKey
    {
        public const int Ed25519 = 1;

        public SigningKey(int type, byte[] publicKey, byte[] secretKey)
        {
            Type = type;
            PublicKey = publicKey;
            SecretKey = secretKey;
        }

        /// <summary>KafkaCrypto's key type number (1 = Ed25519).</summary>
        public int Type { get; }

        /// <summary>The 32-byte Ed25519 public key, which is also the key's bytes in the node id.</summary>
        public byte[] PublicKey { get; }

        /// <summary>The 64-byte libsodium secret key. Never log or print it.</summary>
        public byte[] SecretKey { get; }

        /// <summary>Type and public key only: the secret never appears in text.</summary>
        public override string ToString() => $"signing key type {Type} {Hex.Lower(PublicKey)}";
    }
}
