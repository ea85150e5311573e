using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Primitives;
using OpenMsiStream.Crypto.Trust;

namespace OpenMsiStream.Crypto.Exchange
{
    /// <summary>
    /// KafkaCrypto's key exchange, classical profile (Ed25519 chains, X25519 key agreement), byte
    /// compatible with kafkacrypto 0.9.11.x. A consumer signs a request carrying a fresh ephemeral
    /// key and random0; a producer whose chain grants <c>key-encrypt</c> answers with the topic
    /// secrets boxed under a key only that requester can derive. Every function is deterministic in
    /// its inputs (the caller supplies time and randomness) so the golden transcript replays exactly.
    /// The Try* functions take hostile network input: they return false with a reason, never throw.
    /// </summary>
    internal static class KeyExchange
    {
        public const string UsageRequest = "key-encrypt-request";
        public const string UsageSubscribe = "key-encrypt-subscribe";
        public const string UsageEncrypt = "key-encrypt";

        private const int MaxRandomBytes = 1024;

        /// <summary>
        /// A signed request (list form, as kafkacrypto 0.9.11 sends without liboqs). Kafka key:
        /// <c>msgpack([ki...])</c>; value: <c>msgpack(chain + [signed(leaf)])</c> with leaf
        /// <c>[expiresAt, poison, [epk], random0]</c>. The same record goes to <c>.subs</c> and, when
        /// the own chain grants <c>key-encrypt-request</c>, to <c>.reqs</c>.
        /// </summary>
        public static ExchangeMessage BuildRequest(string root, IReadOnlyList<KeyIndex> wanted, byte[] signingSecretKey, IReadOnlyList<byte[]> ownChainElements,
            double expiresAt, byte[] ephemeralSecretKey, byte[] random0)
        {
            byte[] ephemeralPublicKey = SodiumPrimitives.X25519Base(ephemeralSecretKey);
            byte[] leaf = new MsgWriter()
                .ArrayHeader(4)
                .Float64(expiresAt)
                .Bin(PoisonWriter.ForLeaf(root, UsageRequest, UsageSubscribe))
                .ArrayHeader(1).Bin(ephemeralPublicKey)
                .Bin(random0)
                .ToArray();
            return Signed(KeyIndexList.Pack(wanted), leaf, signingSecretKey, ownChainElements);
        }

        /// <summary>
        /// Checks a request read from <c>&lt;root&gt;.reqs</c>: its chain must grant
        /// <c>key-encrypt-request</c> on <paramref name="root"/>. Takes the first X25519 key of the
        /// leaf (list or legacy bare form), skipping post-quantum entries.
        /// </summary>
        public static bool TryReadRequest(string root, byte[] key, byte[] value, TrustStore trust, double now, out KeyRequest? request, out string reason)
        {
            request = null;
            if (!KeyIndexList.TryRead(key, out IReadOnlyList<KeyIndex> wanted, out reason))
            {
                return false;
            }
            if (!TryValidate(value, root, UsageRequest, trust, now, "request", out ChainValidation? leaf, out reason))
            {
                return false;
            }
            IReadOnlyList<byte[]> offered = EphemeralKeys.X25519Keys(leaf!.KeyField!, out bool sawPostQuantum);
            if (offered.Count == 0)
            {
                reason = EphemeralKeys.NoneUsable(sawPostQuantum);
                return false;
            }
            if (EphemeralKeys.IsLowOrder(offered[0]))
            {
                reason = "the request's ephemeral key is a low-order point";
                return false;
            }
            if (leaf.Extra.Count < 1 || !leaf.Extra[0].IsBytes || leaf.Extra[0].Bytes.Length == 0 || leaf.Extra[0].Bytes.Length > MaxRandomBytes)
            {
                reason = "the request leaf carries no usable random0";
                return false;
            }
            request = new KeyRequest(wanted, offered[0], leaf.Extra[0].Bytes, leaf.MaxAge);
            reason = string.Empty;
            return true;
        }

        /// <summary>
        /// The answer to <paramref name="request"/>: leaf
        /// <c>[expiresAt, poison, [epk_p], [random0, random1], nonce || secretbox(msgpack([ki, secret, ...]))]</c>
        /// signed by the producer; Kafka key <c>msgpack([ki...])</c> of the keys sent.
        /// </summary>
        public static ExchangeMessage BuildResponse(string root, IReadOnlyList<(KeyIndex KeyIndex, byte[] Secret)> keys, KeyRequest request, byte[] signingSecretKey,
            IReadOnlyList<byte[]> ownChainElements, double expiresAt, byte[] ephemeralSecretKey, byte[] random1, byte[] boxNonce)
        {
            byte[] ephemeralPublicKey = SodiumPrimitives.X25519Base(ephemeralSecretKey);
            byte[] kemSecret = SodiumPrimitives.X25519(ephemeralSecretKey, request.PeerPublicKey);
            if (EphemeralKeys.IsAllZero(kemSecret))
            {
                throw new ArgumentException("The request's ephemeral key is a low-order point; requests must come from TryReadRequest.", nameof(request));
            }
            byte[] sharedSecret = ResponseBox.SharedSecret(root, request.Random0, random1, kemSecret);
            byte[] leaf = new MsgWriter()
                .ArrayHeader(5)
                .Float64(expiresAt)
                .Bin(PoisonWriter.ForLeaf(root, UsageEncrypt))
                .ArrayHeader(1).Bin(ephemeralPublicKey)
                .ArrayHeader(2).Bin(request.Random0).Bin(random1)
                .Bin(ResponseBox.Seal(keys, sharedSecret, boxNonce))
                .ToArray();
            return Signed(KeyIndexList.Pack(keys.Select(k => k.KeyIndex)), leaf, signingSecretKey, ownChainElements);
        }

        /// <summary>
        /// Opens a response read from <c>&lt;root&gt;.keys</c>: its chain must grant
        /// <c>key-encrypt</c> on <paramref name="root"/>, and its random0 must name one of our
        /// outstanding requests (<paramref name="ephemeralSecretForRandom0"/> returns that request's
        /// ephemeral secret, or null). The Kafka key is not trusted (it is not signed) and is ignored.
        /// </summary>
        public static bool TryOpenResponse(string root, byte[] key, byte[] value, TrustStore trust, double now, Func<byte[], byte[]?> ephemeralSecretForRandom0,
            out IReadOnlyList<(KeyIndex KeyIndex, byte[] Secret)> keys, out byte[]? random0, out string reason)
        {
            keys = Array.Empty<(KeyIndex, byte[])>();
            random0 = null;
            if (!TryValidate(value, root, UsageEncrypt, trust, now, "response", out ChainValidation? leaf, out reason))
            {
                return false;
            }
            if (!TryReadRandoms(leaf!, out byte[]? r0, out byte[]? r1, out byte[]? box))
            {
                reason = "the response leaf is not [max_age, poison, [epk], [random0, random1], box]";
                return false;
            }
            byte[]? ephemeralSecret = ephemeralSecretForRandom0(r0!);
            if (ephemeralSecret == null)
            {
                reason = "not a response to an outstanding request";
                return false;
            }
            if (ephemeralSecret.Length != SodiumPrimitives.X25519Bytes)
            {
                reason = "the outstanding request's ephemeral secret is not 32 bytes";
                return false;
            }
            IReadOnlyList<byte[]> offered = EphemeralKeys.X25519Keys(leaf!.KeyField!, out bool sawPostQuantum);
            if (offered.Count == 0)
            {
                reason = EphemeralKeys.NoneUsable(sawPostQuantum);
                return false;
            }
            reason = "every ephemeral key in the response is a low-order point";
            foreach (byte[] peerKey in offered)
            {
                byte[] kemSecret = SodiumPrimitives.X25519(ephemeralSecret, peerKey);
                if (EphemeralKeys.IsAllZero(kemSecret))
                {
                    continue;
                }
                byte[] sharedSecret = ResponseBox.SharedSecret(root, r0!, r1!, kemSecret);
                if (ResponseBox.TryOpen(box!, sharedSecret, out keys, out reason))
                {
                    random0 = r0;
                    return true;
                }
            }
            return false;
        }

        private static ExchangeMessage Signed(byte[] kafkaKey, byte[] leaf, byte[] signingSecretKey, IReadOnlyList<byte[]> ownChainElements) =>
            new ExchangeMessage(kafkaKey, ChainCodec.Pack(ownChainElements, CertificateSigner.Sign(leaf, signingSecretKey)));

        private static bool TryValidate(byte[] value, string root, string usage, TrustStore trust, double now, string what, out ChainValidation? leaf, out string reason)
        {
            leaf = null;
            if (!ChainCodec.TryParse(value, out IReadOnlyList<byte[]> elements, out reason))
            {
                reason = $"{what}: {reason}";
                return false;
            }
            ChainValidation validation = ChainValidator.Validate(elements, root, usage, trust, now);
            if (!validation.IsValid)
            {
                reason = $"{what} chain: {validation.Reason}";
                return false;
            }
            leaf = validation;
            reason = string.Empty;
            return true;
        }

        private static bool TryReadRandoms(ChainValidation leaf, out byte[]? random0, out byte[]? random1, out byte[]? box)
        {
            random0 = random1 = box = null;
            if (leaf.Extra.Count < 2 || !leaf.Extra[0].IsArray || leaf.Extra[0].Items.Count < 2 || !leaf.Extra[1].IsBytes)
            {
                return false;
            }
            MsgNode first = leaf.Extra[0].Items[0];
            MsgNode second = leaf.Extra[0].Items[1];
            if (!first.IsBytes || !second.IsBytes || first.Bytes.Length > MaxRandomBytes || second.Bytes.Length > MaxRandomBytes)
            {
                return false;
            }
            random0 = first.Bytes;
            random1 = second.Bytes;
            box = leaf.Extra[1].Bytes;
            return true;
        }
    }
}
