using OpenMsiStream.Crypto.Primitives;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// Signs a certificate or leaf for a chain: Ed25519 in libsodium's combined form
    /// (<c>signature(64) || message</c>), which is what a chain element is on the wire. Ed25519 is
    /// deterministic, so the same key and bytes always give the same element (the golden vectors
    /// depend on that).
    /// </summary>
    internal static class CertificateSigner
    {
        public static byte[] Sign(byte[] certificateMsgpack, byte[] secretKey64) => SodiumPrimitives.Sign(certificateMsgpack, secretKey64);
    }
}
