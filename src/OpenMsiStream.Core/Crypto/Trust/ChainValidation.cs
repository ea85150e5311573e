using System;
using System.Collections.Generic;
using OpenMsiStream.Crypto.Encoding;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// The outcome of <see cref="ChainValidator.Validate"/>. When valid it carries the effective
    /// certificate (what <c>process_chain</c> returns): the minimum non-zero max_age, the intersected
    /// poisons, and the leaf's key field and extras. When invalid, <see cref="Reason"/> says why in
    /// words fit for a log line; callers must not parse it.
    /// </summary>
    internal sealed class ChainValidation
    {
        private ChainValidation(bool isValid, string reason, Certificate? effective, IReadOnlyList<byte[]> signerKeys)
        {
            IsValid = isValid;
            Reason = reason;
            MaxAge = effective?.MaxAge ?? 0;
            KeyField = effective?.KeyField;
            Extra = effective?.Extra ?? Array.Empty<MsgNode>();
            Poisons = effective?.Poisons ?? Array.Empty<PoisonEntry>();
            SignerKeys = signerKeys;
        }

        public bool IsValid { get; }

        /// <summary>Empty when valid.</summary>
        public string Reason { get; }

        /// <summary>Effective expiry (Unix seconds; 0 = never).</summary>
        public double MaxAge { get; }

        /// <summary>The last certificate's key field (a signing key, or the ephemeral keys of a leaf).</summary>
        public MsgNode? KeyField { get; }

        /// <summary>The last certificate's items after the key field.</summary>
        public IReadOnlyList<MsgNode> Extra { get; }

        /// <summary>The effective (intersected) topics/usages/pathlen.</summary>
        public IReadOnlyList<PoisonEntry> Poisons { get; }

        /// <summary>The effective poison packed as Python re-packs it (names str, values bin).</summary>
        public byte[] PoisonMsgpack => PoisonWriter.Pack(Poisons);

        /// <summary>
        /// The Ed25519 keys along the path: the root's, then every chain element's key field that is
        /// itself a signing key (a leaf carrying ephemeral keys adds none).
        /// </summary>
        public IReadOnlyList<byte[]> SignerKeys { get; }

        internal static ChainValidation Valid(Certificate effective, IReadOnlyList<byte[]> signerKeys) =>
            new ChainValidation(true, string.Empty, effective, signerKeys);

        internal static ChainValidation Invalid(string reason) =>
            new ChainValidation(false, reason, null, Array.Empty<byte[]>());
    }
}
