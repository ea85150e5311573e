using System.Collections.Generic;
using System.Globalization;
using OpenMsiStream.Crypto.Primitives;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// One attempt of <c>process_chain</c>: the chain walked from one allowlisted root. Each element
    /// must verify under the previous certificate's key; constraints narrow as the walk goes
    /// (<see cref="PoisonMath.Combine"/>). A denylisted signer poisons the path unless a later key is
    /// allowlisted; an allowlisted key met on the path also contributes its allowlist entry's
    /// restrictions. The final effective certificate must be unexpired, grant the topic and usage,
    /// and have pathlen &gt;= 0.
    /// </summary>
    internal sealed class ChainWalk
    {
        private readonly IReadOnlyList<byte[]> _elements;
        private readonly string? _topic;
        private readonly string? _usage;
        private readonly TrustStore _trust;
        private readonly double _now;

        private ChainWalk(IReadOnlyList<byte[]> elements, string? topic, string? usage, TrustStore trust, double now)
        {
            _elements = elements;
            _topic = topic;
            _usage = usage;
            _trust = trust;
            _now = now;
        }

        /// <summary>How far the attempt got (elements verified; past the last one when only the final checks failed).</summary>
        public int Progress { get; private set; }

        public ChainValidation Result { get; private set; } = ChainValidation.Invalid("not run");

        public static ChainWalk Run(Certificate root, IReadOnlyList<byte[]> elements, string? topic, string? usage, TrustStore trust, double now)
        {
            var walk = new ChainWalk(elements, topic, usage, trust, now);
            walk.Result = walk.Walk(root);
            return walk;
        }

        private ChainValidation Walk(Certificate root)
        {
            if (PoisonMath.UnsupportedRegex(root) is string rootRegex)
            {
                return Fail(0, RegexReason("the allowlisted root", rootRegex));
            }
            Certificate state = root;
            bool denylisted = false;
            string deniedKey = string.Empty;
            var signers = new List<byte[]>(_elements.Count + 1);
            for (int k = 0; k < _elements.Count; k++)
            {
                string signerName = k == 0 ? "the root of trust" : $"element {k}";
                if (_trust.IsDenied(state.KeyField))
                {
                    denylisted = true;
                    deniedKey = state.KeyField.ToString();
                }
                else if (_trust.FindAllowed(state.KeyField) is Certificate allowed)
                {
                    denylisted = false;
                    if (PoisonMath.UnsupportedRegex(allowed) is string allowedRegex)
                    {
                        return Fail(k, RegexReason($"the allowlist entry for {signerName}", allowedRegex));
                    }
                    state = PoisonMath.Combine(state, allowed, sameKey: true);
                }
                if (!SigningKey.TryGetEd25519(state.KeyField, out byte[]? signer, out string why))
                {
                    return Fail(k, $"key of {signerName}: {why}");
                }
                if (k == 0)
                {
                    signers.Add(signer!);
                }
                byte[]? message = SodiumPrimitives.SignOpen(_elements[k], signer!);
                if (message == null)
                {
                    return Fail(k, $"signature of element {k + 1} does not verify");
                }
                if (!Certificate.TryParse(message, out Certificate? cert, out string malformed))
                {
                    return Fail(k, $"element {k + 1} is not a valid certificate: {malformed}");
                }
                if (PoisonMath.UnsupportedRegex(cert!) is string regex)
                {
                    return Fail(k, RegexReason($"element {k + 1}", regex));
                }
                state = PoisonMath.Combine(state, cert!, sameKey: false);
                if (SigningKey.IsEd25519(cert!.KeyField))
                {
                    signers.Add(cert.KeyField.Bytes);
                }
            }
            int done = _elements.Count + 1;
            if (_trust.FindAllowed(state.KeyField) != null)
            {
                denylisted = false;
            }
            if (_trust.IsDenied(state.KeyField))
            {
                denylisted = true;
                deniedKey = state.KeyField.ToString();
            }
            if (denylisted)
            {
                return Fail(done, $"the chain uses the denylisted key {deniedKey}");
            }
            if (state.MaxAge < _now && state.MaxAge != 0)
            {
                return Fail(done, $"the chain expired at {state.MaxAge.ToString("R", CultureInfo.InvariantCulture)}");
            }
            if (Disallowed(state, PoisonEntry.Topics, "topic", _topic) is string topicReason)
            {
                return Fail(done, topicReason);
            }
            if (Disallowed(state, PoisonEntry.Usages, "usage", _usage) is string usageReason)
            {
                return Fail(done, usageReason);
            }
            if (PoisonMath.Find(state, PoisonEntry.PathLength) is PoisonEntry pathLength && pathLength.Length!.Value < 0)
            {
                return Fail(done, "the chain is longer than a pathlen restriction allows");
            }
            Progress = done;
            return ChainValidation.Valid(state, signers);
        }

        /// <summary>Python's <c>validate_poison</c> for topics/usages: the constraint must exist and match.</summary>
        internal static string? Disallowed(Certificate effective, string poisonName, string noun, string? wanted)
        {
            if (wanted == null)
            {
                return null;
            }
            PoisonEntry? entry = PoisonMath.Find(effective, poisonName);
            if (entry == null)
            {
                return $"{noun} '{wanted}' not allowed: the chain never grants any {poisonName}";
            }
            if (!PoisonMath.Multimatch(System.Text.Encoding.UTF8.GetBytes(wanted), entry.Values))
            {
                return $"{noun} '{wanted}' not allowed (the chain allows {entry})";
            }
            return null;
        }

        private static string RegexReason(string where, string regex) =>
            $"{where} restricts by the regular expression '{regex}', which KafkaCrypto 0.9.11 cannot evaluate; only '{PoisonMath.MatchEverything}' is supported";

        private ChainValidation Fail(int progress, string reason)
        {
            Progress = progress;
            return ChainValidation.Invalid(reason);
        }
    }
}
