using System;
using System.Collections.Generic;
using System.Linq;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// The constraint algebra of KafkaCrypto's <c>chain.py</c>: "multimatch", the intersection of
    /// topics/usages lists, and how max_age and pathlen combine from parent to child. Kept apart
    /// from the chain walk so the security-relevant rules can be read (and tested) in one place.
    /// </summary>
    /// <remarks>
    /// Regular expressions: KafkaCrypto treats a topics/usages value starting with <c>^</c> as a
    /// Python regex, but v0.9.11.x unpacks values as bytes and later matches them against a str,
    /// which raises <c>TypeError</c>; only the literal <c>^.*$</c> is special-cased and works. So in
    /// practice a regex chain never validates. We reject every regex other than <c>^.*$</c> outright
    /// (<see cref="UnsupportedRegex"/>) instead of emulating Python's regex dialect, which could only
    /// make us more permissive than the reference. This is stricter than Python in one corner: a
    /// parent regex that a child narrows to literals does validate in Python, and here it does not.
    /// </remarks>
    internal static class PoisonMath
    {
        public const string MatchEverything = "^.*$";

        private static readonly byte[] MatchEverythingBytes = System.Text.Encoding.UTF8.GetBytes(MatchEverything);
        private static readonly byte[] KeyAllowlist = System.Text.Encoding.UTF8.GetBytes("key-allowlist");
        private static readonly byte[] KeyDenylist = System.Text.Encoding.UTF8.GetBytes("key-denylist");

        /// <summary>The first topics/usages value that is a regex other than <c>^.*$</c>, or null.</summary>
        public static string? UnsupportedRegex(Certificate cert)
        {
            foreach (PoisonEntry entry in cert.Poisons.Where(p => p.IsList))
            {
                foreach (byte[] value in entry.Values)
                {
                    if (value.Length > 0 && value[0] == (byte)'^' && !IsMatchEverything(value))
                    {
                        return System.Text.Encoding.UTF8.GetString(value);
                    }
                }
            }
            return null;
        }

        /// <summary>
        /// Python's <c>multimatch(wanted, choices)</c> once regexes are excluded: <c>^.*$</c> among the
        /// choices matches anything; otherwise wanted must equal a choice exactly (a wanted regex only
        /// ever matches the identical regex, so <c>^.*$</c> cannot widen a parent's literal list).
        /// </summary>
        public static bool Multimatch(byte[] wanted, IReadOnlyList<byte[]> choices) =>
            choices.Any(c => IsMatchEverything(c) || c.AsSpan().SequenceEqual(wanted));

        /// <summary>Python's <c>intersect_multimatch</c>: the child's values that the parent allows, in child order.</summary>
        public static IReadOnlyList<byte[]>? Intersect(IReadOnlyList<byte[]>? parent, IReadOnlyList<byte[]>? child)
        {
            if (parent == null)
            {
                return child;
            }
            if (child == null)
            {
                return parent;
            }
            return child.Where(w => Multimatch(w, parent)).ToList();
        }

        /// <summary>
        /// Python's <c>intersect_certs(c1, c2, same_pk)</c>: the effective certificate after
        /// <paramref name="child"/> under <paramref name="parent"/>. max_age is the smaller non-zero
        /// value (a child value not above 0 inherits the parent's). Lists intersect. A parent's
        /// pathlen counts one level down (offset -1) unless both describe the same key (an allowlist
        /// entry for a key already in the chain); the smaller pathlen wins. A usages list that could
        /// grant key-allowlist or key-denylist implies pathlen 0 unless that poison sets pathlen itself.
        /// The key field and extras come from the child.
        /// </summary>
        public static Certificate Combine(Certificate parent, Certificate child, bool sameKey)
        {
            double maxAge = child.MaxAge > 0 && (child.MaxAge < parent.MaxAge || parent.MaxAge == 0) ? child.MaxAge : parent.MaxAge;
            IReadOnlyList<byte[]>? topics = null;
            IReadOnlyList<byte[]>? usages = null;
            long? pathLength = null;
            foreach ((int offset, IReadOnlyList<PoisonEntry> poisons) in new[] { (sameKey ? 0 : -1, parent.Poisons), (0, child.Poisons) })
            {
                long? levelPathLength = null;
                foreach (PoisonEntry entry in poisons)
                {
                    switch (entry.Name)
                    {
                        case PoisonEntry.Topics:
                            topics = Intersect(topics, entry.Values);
                            break;
                        case PoisonEntry.Usages:
                            if (levelPathLength == null && (Multimatch(KeyAllowlist, entry.Values) || Multimatch(KeyDenylist, entry.Values)))
                            {
                                levelPathLength = 0;
                            }
                            usages = Intersect(usages, entry.Values);
                            break;
                        default:
                            levelPathLength = entry.Length;
                            break;
                    }
                }
                if (levelPathLength != null && (pathLength == null || levelPathLength.Value + offset < pathLength.Value))
                {
                    pathLength = levelPathLength.Value + offset;
                }
            }
            var combined = new List<PoisonEntry>(3);
            if (topics != null)
            {
                combined.Add(PoisonEntry.ForList(PoisonEntry.Topics, topics));
            }
            if (usages != null)
            {
                combined.Add(PoisonEntry.ForList(PoisonEntry.Usages, usages));
            }
            if (pathLength != null)
            {
                combined.Add(PoisonEntry.ForPathLength(pathLength.Value));
            }
            return new Certificate(maxAge, combined, child.KeyField, child.Extra);
        }

        /// <summary>The list of an effective poison by name, or null when the chain never constrained it.</summary>
        public static PoisonEntry? Find(Certificate effective, string name) => effective.Poisons.FirstOrDefault(p => p.Name == name);

        private static bool IsMatchEverything(byte[] value) => value.AsSpan().SequenceEqual(MatchEverythingBytes);
    }
}
