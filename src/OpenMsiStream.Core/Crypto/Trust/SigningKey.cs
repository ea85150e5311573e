using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Primitives;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// Interprets a certificate's key field as the key that signs the next chain element. Only
    /// KafkaCrypto key type 1 (a raw 32-byte Ed25519 key) is supported by the classical profile.
    /// Type 4 (Ed25519 + SLH-DSA hybrid, written <c>[4, [ed_pk, slh_pk]]</c> or as the msgpack bytes
    /// of that) is recognised only to say clearly why such a chain cannot be checked.
    /// </summary>
    internal static class SigningKey
    {
        public const string PostQuantumReason = "post-quantum key type 4 (Ed25519+SLH-DSA) is not supported by the classical profile";

        public static bool TryGetEd25519(MsgNode keyField, out byte[]? publicKey, out string reason)
        {
            publicKey = null;
            if (keyField.IsBytes && keyField.Bytes.Length == SodiumPrimitives.SignPublicKeyBytes)
            {
                publicKey = keyField.Bytes;
                reason = string.Empty;
                return true;
            }
            reason = IsTypeFour(keyField) ? PostQuantumReason : "the key field is not an Ed25519 signing key";
            return false;
        }

        /// <summary>True for a 32-byte key field, i.e. one that names a type-1 signing key.</summary>
        public static bool IsEd25519(MsgNode keyField) => keyField.IsBytes && keyField.Bytes.Length == SodiumPrimitives.SignPublicKeyBytes;

        private static bool IsTypeFour(MsgNode keyField)
        {
            MsgNode? versioned = keyField;
            if (keyField.IsBytes && !HostileMsgPack.TryParse(keyField.Bytes, out versioned))
            {
                return false;
            }
            return versioned!.IsArray && versioned.Items.Count == 2 && versioned.Items[0].Kind == MsgKind.Integer && versioned.Items[0].Integer == 4;
        }
    }
}
