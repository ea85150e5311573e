using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Crypto.Encoding;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// A node's roots of trust and revoked keys. Each entry is an unsigned certificate's msgpack,
    /// typically <c>[0, b"\x90", rot_pk]</c> from the node's <c>.config</c>. Entries are parsed once
    /// here so that validating hostile chains never re-parses local configuration.
    /// </summary>
    internal sealed class TrustStore
    {
        public TrustStore(IEnumerable<byte[]> allowlist, IEnumerable<byte[]>? denylist = null)
        {
            Allowlist = (allowlist ?? Enumerable.Empty<byte[]>()).Where(e => e != null).ToList();
            Denylist = (denylist ?? Enumerable.Empty<byte[]>()).Where(e => e != null).ToList();
            // A malformed allowlist entry can grant nothing, so it is skipped.
            AllowedCertificates = Parse(Allowlist, out _);
            DeniedCertificates = Parse(Denylist, out string? problem);
            // A malformed denylist entry might be a revocation we cannot read; Python fails every
            // validation in that case, and so do we (fail closed).
            DenylistProblem = problem;
        }

        public IReadOnlyList<byte[]> Allowlist { get; }

        public IReadOnlyList<byte[]> Denylist { get; }

        internal IReadOnlyList<Certificate> AllowedCertificates { get; }

        internal IReadOnlyList<Certificate> DeniedCertificates { get; }

        /// <summary>Why the denylist cannot be trusted, or null when every entry parsed.</summary>
        internal string? DenylistProblem { get; }

        /// <summary>The first allowlist certificate for this key (Python's <c>key_in_list</c>), or null.</summary>
        internal Certificate? FindAllowed(MsgNode keyField) => AllowedCertificates.FirstOrDefault(c => PyEquality.Equal(c.KeyField, keyField));

        internal bool IsDenied(MsgNode keyField) => DeniedCertificates.Any(c => PyEquality.Equal(c.KeyField, keyField));

        private static IReadOnlyList<Certificate> Parse(IReadOnlyList<byte[]> entries, out string? problem)
        {
            problem = null;
            var parsed = new List<Certificate>(entries.Count);
            for (int i = 0; i < entries.Count; i++)
            {
                if (Certificate.TryParse(entries[i], out Certificate? cert, out string reason))
                {
                    parsed.Add(cert!);
                }
                else
                {
                    problem ??= $"denylist entry {i} is not a certificate ({reason})";
                }
            }
            return parsed;
        }
    }
}
