using OpenMsiStream.Crypto.Primitives;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// KafkaCrypto lets any key revoke itself without a chain to a root: a two-element chain whose
    /// first element is the key's own unsigned certificate and whose second is signed by that key,
    /// names the same key, and grants usage <c>key-denylist</c>. Python accepts this form for any
    /// requested usage that multimatches <c>key-denylist</c> (including none); here only the exact
    /// usage <c>key-denylist</c> reaches it, which is stricter and all a denylist handler needs.
    /// </summary>
    internal static class SelfRevocation
    {
        public const string Usage = "key-denylist";

        public static ChainValidation? TryValidate(System.Collections.Generic.IReadOnlyList<byte[]> elements)
        {
            if (elements.Count != 2
                || !Certificate.TryParse(elements[0], out Certificate? own, out _)
                || !SigningKey.TryGetEd25519(own!.KeyField, out byte[]? key, out _)
                || PoisonMath.UnsupportedRegex(own) != null)
            {
                return null;
            }
            byte[]? message = SodiumPrimitives.SignOpen(elements[1], key!);
            if (message == null || !Certificate.TryParse(message, out Certificate? revocation, out _) || PoisonMath.UnsupportedRegex(revocation!) != null)
            {
                return null;
            }
            Certificate effective = PoisonMath.Combine(own, revocation!, sameKey: false);
            bool sameKey = PyEquality.Equal(own.KeyField, effective.KeyField);
            bool grantsRevocation = ChainWalk.Disallowed(effective, PoisonEntry.Usages, "usage", Usage) == null;
            bool pathLengthOk = !(PoisonMath.Find(effective, PoisonEntry.PathLength) is PoisonEntry p && p.Length!.Value < 0);
            return sameKey && grantsRevocation && pathLengthOk ? ChainValidation.Valid(effective, new[] { key! }) : null;
        }
    }
}
