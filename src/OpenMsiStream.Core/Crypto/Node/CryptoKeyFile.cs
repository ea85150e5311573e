using System;
using System.Collections.Generic;
using System.Linq;
using MessagePack;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Primitives;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// The secret <c>.crypto</c> file: msgpack <c>[2, [ssk…], ek, ephk_legacy, [ephemeral types…]]</c>,
    /// plus the older forms KafkaCrypto still upgrades on load (unversioned <c>[ssk, ek]</c> and v1
    /// <c>[1, ssk, ek, legacy, [types]]</c>). A type-1 <c>ssk</c> is a 64-byte Ed25519 secret key; a
    /// type-4 one is <c>[4, [ed_sk64, slh_sk64]]</c> (Ed25519 + SLH-DSA, post-quantum), which this
    /// classical implementation can carry in the node id but cannot sign with.
    /// </summary>
    internal sealed class CryptoKeyFile
    {
        public const int PostQuantumHybrid = 4;
        public const int CurrentVersion = 2;

        private CryptoKeyFile(IReadOnlyList<int> keyTypes, IReadOnlyList<byte[]> keyIdentities, IReadOnlyList<SigningKey> signingKeys,
            byte[] wrappingKey, bool ephemeralLegacy, IReadOnlyList<int> ephemeralTypes)
        {
            KeyTypes = keyTypes;
            KeyIdentities = keyIdentities;
            SigningKeys = signingKeys;
            WrappingKey = wrappingKey;
            EphemeralLegacy = ephemeralLegacy;
            EphemeralTypes = ephemeralTypes;
        }

        /// <summary>The type of every signing key in file order.</summary>
        public IReadOnlyList<int> KeyTypes { get; }

        /// <summary>bytes(spk) of every key in file order: raw 32 bytes for type 1, msgpack([4,[ed_pk, slh_pk]]) for type 4.</summary>
        public IReadOnlyList<byte[]> KeyIdentities { get; }

        /// <summary>The keys this implementation signs with (type 1).</summary>
        public IReadOnlyList<SigningKey> SigningKeys { get; }

        /// <summary>The 32-byte local key for wrap_opaque (<c>oldkeys</c>).</summary>
        public byte[] WrappingKey { get; }

        public bool EphemeralLegacy { get; }

        public IReadOnlyList<int> EphemeralTypes { get; }

        /// <summary>The node id bytes: every key's bytes(spk) concatenated in file order.</summary>
        public byte[] NodeIdBytes() => KeyIdentities.SelectMany(k => k).ToArray();

        /// <summary>Encodes a current (v2) file, as KafkaCrypto's CryptoKey writes it.</summary>
        public static byte[] Encode(IReadOnlyList<SigningKey> keys, byte[] wrappingKey, bool ephemeralLegacy, IReadOnlyList<int> ephemeralTypes)
        {
            var writer = new MsgWriter().ArrayHeader(5).Int(CurrentVersion).ArrayHeader(keys.Count);
            foreach (SigningKey key in keys)
            {
                writer.Bin(key.SecretKey);
            }
            writer.Bin(wrappingKey).Bool(ephemeralLegacy).ArrayHeader(ephemeralTypes.Count);
            foreach (int type in ephemeralTypes)
            {
                writer.Int(type);
            }
            return writer.ToArray();
        }

        /// <summary>Decodes a <c>.crypto</c> file; CryptoNodeInvalid or CryptoUnsupported (naming <paramref name="path"/>) when it cannot be used.</summary>
        public static CryptoKeyFile Parse(byte[] data, string path)
        {
            IReadOnlyList<MsgNode> items;
            try
            {
                items = FirstValue(data).AsArray();
            }
            catch (MsgPackFormatException ex)
            {
                throw NodeErrors.Invalid(path, "it is not a KafkaCrypto key file (msgpack array expected: " + ex.Message + ")", ex);
            }
            try
            {
                return FromItems(items, path);
            }
            catch (MsgPackFormatException ex)
            {
                throw NodeErrors.Invalid(path, "its layout is not [version, [signing keys], wrapping key, legacy flag, [key exchange types]] (" + ex.Message + ")", ex);
            }
        }

        private static CryptoKeyFile FromItems(IReadOnlyList<MsgNode> items, string path)
        {
            if (items.Count < 2)
            {
                throw new MsgPackFormatException("too few items");
            }
            IReadOnlyList<MsgNode> secretKeys;
            MsgNode wrapping;
            bool legacy = true;
            IReadOnlyList<int> types = new[] { 1 };
            if (items[0].IsBytes)
            {
                // Unversioned (before 0.9.10): [ssk, ek].
                secretKeys = new[] { items[0] };
                wrapping = items[1];
            }
            else
            {
                long version = items[0].AsInteger();
                if (version != 1 && version != CurrentVersion)
                {
                    throw NodeErrors.Unsupported(path, $"key file version {version} (this version reads versions 1 and 2)");
                }
                if (items.Count < 3)
                {
                    throw new MsgPackFormatException("too few items");
                }
                secretKeys = version == 1 ? new[] { items[1] } : items[1].AsArray();
                wrapping = items[2];
                if (items.Count > 3)
                {
                    legacy = Truthy(items[3]);
                }
                if (items.Count > 4)
                {
                    types = items[4].AsArray().Select(t => checked((int)t.AsInteger())).ToList();
                }
            }
            byte[] wrappingKey = wrapping.AsBytes();
            if (wrappingKey.Length != SodiumPrimitives.SecretBoxKeyBytes)
            {
                throw NodeErrors.Invalid(path, $"its wrapping key is {wrappingKey.Length} bytes, not {SodiumPrimitives.SecretBoxKeyBytes}");
            }
            return WithKeys(secretKeys, wrappingKey, legacy, types, path);
        }

        private static CryptoKeyFile WithKeys(IReadOnlyList<MsgNode> secretKeys, byte[] wrappingKey, bool legacy, IReadOnlyList<int> ephemeralTypes, string path)
        {
            var keyTypes = new List<int>();
            var identities = new List<byte[]>();
            var signing = new List<SigningKey>();
            foreach (MsgNode node in secretKeys)
            {
                (int type, byte[] identity, SigningKey? usable) = ReadKey(node, path);
                keyTypes.Add(type);
                identities.Add(identity);
                if (usable != null)
                {
                    signing.Add(usable);
                }
            }
            if (keyTypes.Count == 0)
            {
                throw NodeErrors.Invalid(path, "it holds no signing key");
            }
            if (signing.Count == 0)
            {
                throw NodeErrors.Unsupported(path,
                    "its only signing keys are KafkaCrypto key type 4 (Ed25519 + SLH-DSA-SHAKE-128f, post-quantum), and this version signs with Ed25519 (type 1) keys only; provision the node with a classical (type 1) key");
            }
            return new CryptoKeyFile(keyTypes, identities, signing, wrappingKey, legacy, ephemeralTypes);
        }

        private static (int Type, byte[] Identity, SigningKey? Usable) ReadKey(MsgNode node, string path)
        {
            if (node.IsBytes)
            {
                SigningKey key = Ed25519Key(node.AsBytes(), path);
                return (SigningKey.Ed25519, key.PublicKey, key);
            }
            IReadOnlyList<MsgNode> versioned = node.AsArray(2);
            long type = versioned[0].AsInteger();
            if (type == SigningKey.Ed25519)
            {
                SigningKey key = Ed25519Key(versioned[1].AsBytes(), path);
                return (SigningKey.Ed25519, key.PublicKey, key);
            }
            if (type == PostQuantumHybrid)
            {
                IReadOnlyList<MsgNode> pair = versioned[1].AsArray(2);
                byte[] edSecret = pair[0].AsBytes();
                byte[] slhSecret = pair[1].AsBytes();
                if (edSecret.Length != 64 || slhSecret.Length != 64)
                {
                    throw NodeErrors.Invalid(path, "a type-4 signing key does not hold two 64-byte secret keys");
                }
                byte[] identity = new MsgWriter().ArrayHeader(2).Int(PostQuantumHybrid).ArrayHeader(2)
                    .Bin(edSecret.Skip(32).ToArray()).Bin(slhSecret.Skip(32).ToArray()).ToArray();
                return (PostQuantumHybrid, identity, null);
            }
            throw NodeErrors.Unsupported(path, $"signing key type {type} (this version supports type 1, Ed25519)");
        }

        private static SigningKey Ed25519Key(byte[] secretKey, string path)
        {
            if (secretKey.Length != SodiumPrimitives.SignSecretKeyBytes)
            {
                throw NodeErrors.Invalid(path, $"an Ed25519 signing key is {secretKey.Length} bytes, not {SodiumPrimitives.SignSecretKeyBytes}");
            }
            byte[] publicKey = secretKey.Skip(32).ToArray();
            (byte[] derived, _) = SodiumPrimitives.SignKeyPairFromSeed(secretKey.Take(32).ToArray());
            if (!derived.AsSpan().SequenceEqual(publicKey))
            {
                throw NodeErrors.Invalid(path, "an Ed25519 signing key is damaged (its public half does not match its seed)");
            }
            return new SigningKey(SigningKey.Ed25519, publicKey, (byte[])secretKey.Clone());
        }

        private static bool Truthy(MsgNode node) => node.Kind switch
        {
            MsgKind.Boolean => node.Boolean,
            MsgKind.Integer => node.Integer != 0,
            MsgKind.Nil => false,
            _ => throw new MsgPackFormatException("the legacy flag must be a boolean"),
        };

        /// <summary>
        /// The first msgpack value of the file. KafkaCrypto tolerates stray bytes after it (it trims
        /// them and warns), so a file it loads must load here too.
        /// </summary>
        private static MsgNode FirstValue(byte[] data)
        {
            int length;
            try
            {
                var reader = new MessagePackReader(new ReadOnlyMemory<byte>(data));
                reader.Skip();
                length = (int)reader.Consumed;
            }
            catch (Exception ex) when (ex is MessagePackSerializationException || ex is System.IO.EndOfStreamException || ex is ArgumentException)
            {
                throw new MsgPackFormatException("the data is not msgpack or is truncated");
            }
            return MsgNode.Parse(length == data.Length ? data : data.Take(length).ToArray());
        }
    }
}
