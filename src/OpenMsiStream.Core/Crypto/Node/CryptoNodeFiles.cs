using System;
using System.Collections.Generic;
using System.IO;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// A KafkaCrypto node as its three files describe it: <c>&lt;node&gt;.config</c> (INI, not secret),
    /// the <c>.crypto</c> key file it names in <c>cryptokey</c> and the <c>.seed</c> ratchet file it
    /// names in <c>ratchet</c>. Loading reads and checks everything but changes nothing; stepping the
    /// ratchet is a separate, explicit act (<see cref="Ratchet.Advance"/>). The same files work with
    /// the Python library, so settings are read with its names and defaults.
    /// </summary>
    internal sealed class CryptoNodeFiles
    {
        public const double DefaultMaxAge = 86400;
        public const double DefaultSubscriptionInterval = 60;
        public const double DefaultMaxProducerKeyAge = 604800;
        public const double DefaultRatchetInterval = 86400;

        private readonly CryptoKeyFile _keys;
        private readonly NodeTrustLists _trust;

        private CryptoNodeFiles(string configPath, NodeConfigFile config, string nodeId, string cryptoPath, string seedPath, CryptoKeyFile keys, NodeTrustLists trust)
        {
            ConfigPath = configPath;
            Config = config;
            NodeId = nodeId;
            CryptoPath = cryptoPath;
            SeedPath = seedPath;
            _keys = keys;
            _trust = trust;
            ChainRaw = trust.Chains.Count > 0 ? trust.Chains[0] : Array.Empty<byte>();
            ChainElements = trust.Chains.Count > 0 ? NodeTrustLists.ChainElements(ChainRaw, configPath) : Array.Empty<byte[]>();

            var settings = new NodeSettings(config);
            MaxAge = settings.Number(nodeId + "-crypto", "maxage", DefaultMaxAge);
            SubscriptionInterval = settings.Number(nodeId, "crypto_sub_interval", DefaultSubscriptionInterval);
            MaxProducerKeyAge = settings.Number(nodeId, "crypto_max_pgen_age", DefaultMaxProducerKeyAge);
            RatchetInterval = settings.Number(nodeId, "crypto_ratchet_interval", DefaultRatchetInterval);
            LongKeyIndex = settings.Bool(nodeId, "mgmt_long_keyindex", true);
            TopicSeparator = settings.Text(nodeId, "topic_separator", ".");
            SubscriptionsSuffix = settings.Text(nodeId, "topic_suffix_subs", ".subs");
            KeysSuffix = settings.Text(nodeId, "topic_suffix_keys", ".keys");
            RequestsSuffix = settings.Text(nodeId, "topic_suffix_reqs", ".reqs");
            ChainsTopic = settings.Text(nodeId, "mgmt_topic_chains", "chains");
            AllowlistTopic = settings.Text(nodeId, "mgmt_topic_allowlist", "allowlist");
            DenylistTopic = settings.Text(nodeId, "mgmt_topic_denylist", "denylist");
        }

        /// <summary>The node name: <c>node_id</c> in [DEFAULT], which also names the node's sections.</summary>
        public string NodeId { get; }

        public string ConfigPath { get; }

        public string DirectoryPath => Path.GetDirectoryName(ConfigPath) ?? ".";

        public string CryptoPath { get; }

        public string SeedPath { get; }

        /// <summary>The parsed <c>.config</c> as loaded (for the Kafka sections and other settings).</summary>
        public NodeConfigFile Config { get; }

        /// <summary>The keys this node signs with (Ed25519, type 1), in file order.</summary>
        public IReadOnlyList<SigningKey> SigningKeys => _keys.SigningKeys;

        /// <summary>The type of every active signing key in file order, including any this version cannot sign with.</summary>
        public IReadOnlyList<int> SigningKeyTypes => _keys.KeyTypes;

        /// <summary>KafkaCrypto's node id: bytes(spk) of every active signing key, concatenated in file order (the key-index input).</summary>
        public byte[] NodeIdBytes => _keys.NodeIdBytes();

        /// <summary>The 32-byte wrapping key (<c>ek</c>) for secrets stored in the <c>.config</c>. Never log it.</summary>
        public byte[] WrappingKey => _keys.WrappingKey;

        /// <summary>Key-exchange types listed in <c>.crypto</c>, in preference order (only type 1 is usable here).</summary>
        public IReadOnlyList<int> EphemeralTypes => _keys.EphemeralTypes;

        /// <summary>Whether the node also sends the pre-0.9.11 bare-key form of a key request.</summary>
        public bool EphemeralLegacy => _keys.EphemeralLegacy;

        /// <summary><c>chain0</c> (or the first stored chain) exactly as stored; empty when the node is not provisioned.</summary>
        public byte[] ChainRaw { get; }

        /// <summary>The signed certificates inside <see cref="ChainRaw"/>, root side first.</summary>
        public IReadOnlyList<byte[]> ChainElements { get; }

        /// <summary>Every stored chain, <c>chain0</c> first (one per signing key when a node has several).</summary>
        public IReadOnlyList<byte[]> Chains => _trust.Chains;

        /// <summary>False for a node that has no chain yet (KafkaCrypto would fall back to its temporary root; this implementation does not).</summary>
        public bool IsProvisioned => ChainElements.Count > 0;

        /// <summary>The trusted roots: each an unsigned certificate <c>msgpack([0, poison, root_pk])</c>.</summary>
        public IReadOnlyList<byte[]> Allowlist => _trust.Allowlist;

        public IReadOnlyList<byte[]> Denylist => _trust.Denylist;

        /// <summary>True when the file still listed KafkaCrypto's public temporary root, which was ignored.</summary>
        public bool DroppedTemporaryRoot => _trust.DroppedTemporaryRoot;

        /// <summary>Lifetime in seconds of the key requests and responses this node signs (<c>[&lt;node&gt;-crypto] maxage</c>).</summary>
        public double MaxAge { get; }

        /// <summary>Seconds between repeated key requests for a root (<c>crypto_sub_interval</c>).</summary>
        public double SubscriptionInterval { get; }

        /// <summary>How long a producer keeps serving an old key (<c>crypto_max_pgen_age</c>, 7 days).</summary>
        public double MaxProducerKeyAge { get; }

        /// <summary>Seconds between ratchet steps of a running producer (<c>crypto_ratchet_interval</c>, 1 day).</summary>
        public double RatchetInterval { get; }

        /// <summary>Long (hashed, the default) or short (ratchet index) key indices (<c>mgmt_long_keyindex</c>).</summary>
        public bool LongKeyIndex { get; }

        public string TopicSeparator { get; }

        public string RequestsSuffix { get; }

        public string KeysSuffix { get; }

        public string SubscriptionsSuffix { get; }

        public string ChainsTopic { get; }

        public string AllowlistTopic { get; }

        public string DenylistTopic { get; }

        /// <summary>Loads a node from its <c>.config</c>; CryptoNodeNotFound, CryptoNodeInvalid or CryptoUnsupported on failure.</summary>
        public static CryptoNodeFiles Load(string configPath)
        {
            string fullConfig = Path.GetFullPath(configPath);
            NodeConfigFile config = NodeConfigFile.Load(fullConfig);
            string? nodeId = config.Get("DEFAULT", "node_id");
            if (string.IsNullOrEmpty(nodeId))
            {
                throw NodeErrors.Invalid(fullConfig, "it has no node_id in its [DEFAULT] section");
            }
            string directory = Path.GetDirectoryName(fullConfig) ?? ".";
            string cryptoPath = FileSetting(config, nodeId!, "cryptokey", ".crypto", directory);
            string seedPath = FileSetting(config, nodeId!, "ratchet", ".seed", directory);
            CryptoKeyFile keys = CryptoKeyFile.Parse(NodeFileIO.ReadAll(cryptoPath, "key file"), cryptoPath);
            _ = Ratchet.Read(seedPath); // checked now, so that a damaged seed is reported at load and not at first use
            NodeTrustLists trust = NodeTrustLists.Read(config, nodeId!);
            return new CryptoNodeFiles(fullConfig, config, nodeId!, cryptoPath, seedPath, keys, trust);
        }

        public override string ToString() => $"KafkaCrypto node '{NodeId}' ({ConfigPath})";

        /// <summary><c>file#name</c> (or a bare path) relative to the config's directory; KafkaCrypto's default is <c>&lt;node&gt;&lt;suffix&gt;</c>.</summary>
        private static string FileSetting(NodeConfigFile config, string nodeId, string key, string defaultSuffix, string directory)
        {
            string? raw = config.GetWithDefaults(nodeId, key);
            string name = string.IsNullOrEmpty(raw) ? nodeId + defaultSuffix
                : raw!.StartsWith(ConfigValue.FilePrefix, StringComparison.Ordinal) ? raw.Substring(ConfigValue.FilePrefix.Length)
                : raw;
            if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            {
                throw NodeErrors.Invalid(config.Path, $"its '{key}' setting does not name a file");
            }
            return Path.GetFullPath(Path.Combine(directory, name));
        }
    }
}
