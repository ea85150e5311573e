using System;
using OpenMsiStream.Crypto.Primitives;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Crypto.Provisioning
{
    /// <summary>
    /// KafkaCrypto's password-derived keys (PasswordROT / PasswordProvisioner, key type 1): scrypt
    /// (N = 2^14, r = 8, p = 1, 32 bytes) turns the password into an Ed25519 seed. The same
    /// passwords therefore give the same root of trust and provisioner keys as the Python tools, so
    /// nodes provisioned by either trust each other.
    /// </summary>
    internal static class PasswordKeys
    {
        /// <summary>simple-provision's minimum for the root-of-trust password.</summary>
        public const int MinimumRootOfTrustPasswordLength = 12;

        /// <summary>simple-provision's minimum for the provisioner password.</summary>
        public const int MinimumProvisionerPasswordLength = 6;

        public static readonly string[] Roles = { "producer", "consumer", "prodcon" };

        /// <summary>The root-of-trust key pair: salt = SHA-256("Root of Trust" ‖ password).</summary>
        public static (byte[] PublicKey, byte[] SecretKey) RootOfTrust(string password)
        {
            RequireLength(password, MinimumRootOfTrustPasswordLength, "root-of-trust");
            return SodiumPrimitives.SignKeyPairFromSeed(SodiumPrimitives.Scrypt(Utf8(password), RootOfTrustSalt(password)));
        }

        /// <summary>
        /// The provisioner key pair for a role ("producer", "consumer" or "prodcon"):
        /// salt = SHA-256(role ‖ root-of-trust public key).
        /// </summary>
        public static (byte[] PublicKey, byte[] SecretKey) Provisioner(string password, string role, byte[] rotPublicKey)
        {
            RequireLength(password, MinimumProvisionerPasswordLength, "provisioner");
            return SodiumPrimitives.SignKeyPairFromSeed(SodiumPrimitives.Scrypt(Utf8(password), ProvisionerSalt(role, rotPublicKey)));
        }

        public static byte[] RootOfTrustSalt(string password) => SodiumPrimitives.Sha256(Concat(Utf8("Root of Trust"), Utf8(password)));

        public static byte[] ProvisionerSalt(string role, byte[] rotPublicKey)
        {
            if (Array.IndexOf(Roles, role) < 0)
            {
                throw new OpenMsiStreamException(ErrorIds.CryptoProvisioningFailed,
                    $"'{role}' is not a KafkaCrypto provisioner role; use producer, consumer or prodcon.", target: role);
            }
            if (rotPublicKey == null || rotPublicKey.Length != SodiumPrimitives.SignPublicKeyBytes)
            {
                throw new OpenMsiStreamException(ErrorIds.CryptoProvisioningFailed,
                    $"A root-of-trust public key is {SodiumPrimitives.SignPublicKeyBytes} bytes.");
            }
            return SodiumPrimitives.Sha256(Concat(Utf8(role), rotPublicKey));
        }

        /// <summary>Python counts characters (code points), not UTF-16 units; so does this check.</summary>
        private static void RequireLength(string password, int minimum, string which)
        {
            if (password == null || CodePoints(password) < minimum)
            {
                throw new OpenMsiStreamException(ErrorIds.CryptoProvisioningFailed,
                    $"The {which} password must be at least {minimum} characters long (KafkaCrypto's simple-provision rule).");
            }
        }

        private static int CodePoints(string text)
        {
            int count = 0;
            for (int i = 0; i < text.Length; i++)
            {
                if (!char.IsLowSurrogate(text[i]) || i == 0 || !char.IsHighSurrogate(text[i - 1]))
                {
                    count++;
                }
            }
            return count;
        }

        private static byte[] Utf8(string text) => new System.Text.UTF8Encoding(false).GetBytes(text);

        private static byte[] Concat(byte[] a, byte[] b)
        {
            var all = new byte[a.Length + b.Length];
            Buffer.BlockCopy(a, 0, all, 0, a.Length);
            Buffer.BlockCopy(b, 0, all, a.Length, b.Length);
            return all;
        }
    }
}
