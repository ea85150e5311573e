using System.Collections.Generic;
using System.Linq;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// KafkaCrypto's <c>process_chain</c> for the classical profile: is this chain of signed
    /// certificates rooted in one of our allowlisted roots, and does it grant <c>usage</c> on topic
    /// <c>root</c> now? Every root is tried in turn (<see cref="ChainWalk"/>). Validation is at least
    /// as strict as the Python library's; the deliberate differences are all towards rejecting
    /// (regex poisons, see <see cref="PoisonMath"/>; type-4 keys; over-long chains; malformed
    /// entries). Never throws for bad input: the chain arrives from the network.
    /// </summary>
    internal static class ChainValidator
    {
        /// <summary>Real chains have 2-3 elements; the cap bounds the signature checks a hostile message can cost.</summary>
        public const int MaxChainElements = 32;

        public static ChainValidation Validate(IReadOnlyList<byte[]> chainElements, string? root, string? usage, TrustStore trust, double now)
        {
            if (chainElements == null || trust == null || chainElements.Any(e => e == null))
            {
                return ChainValidation.Invalid("no chain to validate");
            }
            if (chainElements.Count == 0)
            {
                return ChainValidation.Invalid("the chain is empty: nothing is signed by a root of trust");
            }
            if (chainElements.Count > MaxChainElements)
            {
                return ChainValidation.Invalid($"the chain has {chainElements.Count} elements; at most {MaxChainElements} are accepted");
            }
            if (trust.DenylistProblem != null)
            {
                return ChainValidation.Invalid(trust.DenylistProblem);
            }
            ChainWalk? best = null;
            foreach (Certificate rootOfTrust in trust.AllowedCertificates)
            {
                ChainWalk walk = ChainWalk.Run(rootOfTrust, chainElements, root, usage, trust, now);
                if (walk.Result.IsValid)
                {
                    return walk.Result;
                }
                // Report the attempt that got furthest: with several roots, the others fail at element 1 for an uninteresting reason.
                if (best == null || walk.Progress >= best.Progress)
                {
                    best = walk;
                }
            }
            if (usage == SelfRevocation.Usage && SelfRevocation.TryValidate(chainElements) is ChainValidation revocation)
            {
                return revocation;
            }
            if (best != null)
            {
                return best.Result;
            }
            return ChainValidation.Invalid(trust.Allowlist.Count == 0 ? "the allowlist is empty" : "no allowlist entry is a readable certificate");
        }

        /// <summary>The elements of a msgpack chain (trusted input; throws <see cref="Encoding.MsgPackFormatException"/>).</summary>
        public static IReadOnlyList<byte[]> ParseChain(byte[] chainMsgpack) => ChainCodec.Parse(chainMsgpack);

        /// <summary>The elements of a msgpack chain from the network; false with a reason instead of throwing.</summary>
        public static bool TryParseChain(byte[]? chainMsgpack, out IReadOnlyList<byte[]> elements, out string reason) =>
            ChainCodec.TryParse(chainMsgpack, out elements, out reason);
    }
}
