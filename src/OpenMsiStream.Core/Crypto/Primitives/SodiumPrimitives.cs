using System;
using System.Security.Cryptography;
using OpenMsiStream.Native;
using Sodium;

namespace OpenMsiStream.Crypto.Primitives
{
    /// <summary>
    /// The libsodium primitives KafkaCrypto's classical profile uses, through Sodium.Core, with the
    /// exact parameters the Python library passes. Failures to authenticate return null instead of
    /// throwing, because a wrong key is an expected outcome for a consumer that has no key yet.
    /// </summary>
    internal static class SodiumPrimitives
    {
        public const int SecretBoxNonceBytes = 24;
        public const int SecretBoxKeyBytes = 32;
        public const int SecretBoxMacBytes = 16;
        public const int SignatureBytes = 64;
        public const int SignPublicKeyBytes = 32;
        public const int SignSecretKeyBytes = 64;
        public const int X25519Bytes = 32;

        // scrypt parameters of pysodium's crypto_pwhash_scryptsalsa208sha256 "interactive" limits (N=2^14, r=8, p=1).
        public const long ScryptOpsLimitInteractive = 524288;
        public const int ScryptMemLimitInteractive = 16777216;

        static SodiumPrimitives()
        {
            // Sodium.Core P/Invokes "libsodium"; inside a PowerShell host the runtime would not look in the
            // module's dependencies/<rid>/ folder without the resolver.
            NativeLibraryResolver.EnsureInstalled();
        }

        /// <summary>BLAKE2b of the empty message, keyed, with a 16-byte salt and personalisation (KafkaCrypto's KDF).</summary>
        public static byte[] Blake2bSaltPersonal(byte[] key, byte[] salt, byte[] personal, int outputLength)
        {
            Require(salt, 16, nameof(salt));
            Require(personal, 16, nameof(personal));
            return GenericHash.HashSaltPersonal(Array.Empty<byte>(), key, salt, personal, outputLength);
        }

        /// <summary>Unkeyed BLAKE2b (crypto_generichash with no key).</summary>
        public static byte[] Blake2b(byte[] message, int outputLength) => GenericHash.Hash(message, (byte[]?)null, outputLength);

        public static byte[] Sha256(byte[] data) => CryptoHash.Sha256(data);

        /// <summary>crypto_secretbox in combined form: MAC(16) followed by the XSalsa20 ciphertext.</summary>
        public static byte[] SecretBox(byte[] plaintext, byte[] nonce, byte[] key)
        {
            Require(nonce, SecretBoxNonceBytes, nameof(nonce));
            Require(key, SecretBoxKeyBytes, nameof(key));
            return Sodium.SecretBox.Create(plaintext, nonce, key);
        }

        /// <summary>Opens a combined secretbox; null when the MAC does not verify (wrong key, or tampered).</summary>
        public static byte[]? SecretBoxOpen(byte[] boxed, byte[] nonce, byte[] key)
        {
            if (boxed.Length < SecretBoxMacBytes || nonce.Length != SecretBoxNonceBytes || key.Length != SecretBoxKeyBytes)
            {
                return null;
            }
            try
            {
                return Sodium.SecretBox.Open(boxed, nonce, key);
            }
            catch (CryptographicException)
            {
                return null;
            }
        }

        /// <summary>Ed25519 in combined form: signature(64) followed by the message.</summary>
        public static byte[] Sign(byte[] message, byte[] secretKey)
        {
            Require(secretKey, SignSecretKeyBytes, nameof(secretKey));
            return PublicKeyAuth.Sign(message, secretKey);
        }

        /// <summary>Verifies a combined Ed25519 signature; the signed message, or null when it does not verify.</summary>
        public static byte[]? SignOpen(byte[] signedMessage, byte[] publicKey)
        {
            if (signedMessage.Length < SignatureBytes || publicKey.Length != SignPublicKeyBytes)
            {
                return null;
            }
            try
            {
                return PublicKeyAuth.Verify(signedMessage, publicKey);
            }
            catch (CryptographicException)
            {
                return null;
            }
        }

        /// <summary>Ed25519 key pair from a 32-byte seed (crypto_sign_seed_keypair): (public 32, secret 64).</summary>
        public static (byte[] PublicKey, byte[] SecretKey) SignKeyPairFromSeed(byte[] seed)
        {
            Require(seed, 32, nameof(seed));
            KeyPair pair = PublicKeyAuth.GenerateKeyPair(seed);
            return (pair.PublicKey, pair.PrivateKey);
        }

        /// <summary>A random Ed25519 key pair.</summary>
        public static (byte[] PublicKey, byte[] SecretKey) SignKeyPair() => SignKeyPairFromSeed(Random(32));

        /// <summary>The public half of a libsodium 64-byte Ed25519 secret key.</summary>
        public static byte[] SignPublicKeyOf(byte[] secretKey) => PublicKeyAuth.ExtractEd25519PublicKeyFromEd25519SecretKey(secretKey);

        /// <summary>X25519 public key of a 32-byte secret (crypto_scalarmult_base).</summary>
        public static byte[] X25519Base(byte[] secretKey)
        {
            Require(secretKey, X25519Bytes, nameof(secretKey));
            return ScalarMult.Base(secretKey);
        }

        /// <summary>Raw X25519 shared secret (crypto_scalarmult), no KDF, as KafkaCrypto uses it.</summary>
        public static byte[] X25519(byte[] secretKey, byte[] peerPublicKey)
        {
            Require(secretKey, X25519Bytes, nameof(secretKey));
            Require(peerPublicKey, X25519Bytes, nameof(peerPublicKey));
            return ScalarMult.Mult(secretKey, peerPublicKey);
        }

        public static byte[] Random(int count) => SodiumCore.GetRandomBytes(count);

        /// <summary>scrypt (crypto_pwhash_scryptsalsa208sha256) with the interactive limits, 32-byte output.</summary>
        public static byte[] Scrypt(byte[] password, byte[] salt) =>
            PasswordHash.ScryptHashBinary(password, salt, ScryptOpsLimitInteractive, ScryptMemLimitInteractive, 32);

        private static void Require(byte[] value, int length, string name)
        {
            if (value == null || value.Length != length)
            {
                throw new ArgumentException($"{name} must be {length} bytes (got {value?.Length ?? 0}).", name);
            }
        }
    }
}
