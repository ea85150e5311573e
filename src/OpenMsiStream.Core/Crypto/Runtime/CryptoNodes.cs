using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Crypto.Provisioning;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>What a node may do with keys, as kafkacrypto's simple-provision offers it.</summary>
    public enum CryptoNodeRole
    {
        /// <summary>Encrypts and hands out its keys (usage key-encrypt).</summary>
        Producer,

        /// <summary>Asks producers for keys and decrypts (key-encrypt-request, key-encrypt-subscribe).</summary>
        Consumer,

        /// <summary>Both (all three usages).</summary>
        ProducerConsumer,
    }

    /// <summary>A provisioned KafkaCrypto node: where its files are and what it may do. No secrets.</summary>
    public sealed class CryptoNodeInfo
    {
        internal CryptoNodeInfo(string nodeId, CryptoNodeRole role, string directory, string configPath, IReadOnlyList<string> topics, DateTimeOffset? expires, string signingPublicKey)
        {
            NodeId = nodeId;
            Role = role;
            Directory = directory;
            ConfigPath = configPath;
            Topics = topics;
            Expires = expires;
            SigningPublicKey = signingPublicKey;
        }

        public string NodeId { get; }

        public CryptoNodeRole Role { get; }

        /// <summary>The folder holding &lt;node&gt;.config (shareable) and &lt;node&gt;.crypto and .seed (secret).</summary>
        public string Directory { get; }

        public string ConfigPath { get; }

        /// <summary>Root topics the node's certificate allows.</summary>
        public IReadOnlyList<string> Topics { get; }

        /// <summary>When the node's certificate expires (null: never).</summary>
        public DateTimeOffset? Expires { get; }

        /// <summary>The node's Ed25519 signing public key, hex.</summary>
        public string SigningPublicKey { get; }
    }

    /// <summary>
    /// Password-based provisioning for people without Python: kafkacrypto's simple-provision, writing
    /// node files the Python library loads as they are.
    /// </summary>
    public static class CryptoNodes
    {
        /// <summary>Keep nodes open (answering key requests) after the programs using them end; for interactive hosts.</summary>
        public static bool KeepOpenAfterUse
        {
            get => KafkaCryptoNode.KeepOpenAfterUse;
            set => KafkaCryptoNode.KeepOpenAfterUse = value;
        }

        /// <summary>Closes the nodes no program uses: stops answering key requests and frees their locks.</summary>
        public static void CloseUnused() => KafkaCryptoNode.CloseUnused();

        /// <summary>Ten years, as simple-provision (no chain server needed).</summary>
        public static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(316224000);

        public static CryptoNodeInfo Provision(string directory, string nodeId, CryptoNodeRole role, IReadOnlyList<string> topics,
            string rootOfTrustPassword, string provisionerPassword, TimeSpan? lifetime = null)
        {
            if (topics == null || topics.Count == 0 || topics.Any(string.IsNullOrWhiteSpace))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument, "Give the root topic(s) the node may use (for topic 'lab.xrd' the root is 'lab').");
            }
            TimeSpan life = lifetime ?? DefaultLifetime;
            double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
            CryptoNodeFiles files = NodeProvisioner.Provision(new NodeProvisioningRequest
            {
                Directory = directory,
                NodeId = nodeId,
                Role = role switch
                {
                    CryptoNodeRole.Producer => NodeRole.Producer,
                    CryptoNodeRole.Consumer => NodeRole.Consumer,
                    _ => NodeRole.ProducerConsumer,
                },
                Topics = topics.Select(t => t.Trim()).ToList(),
                RootOfTrustPassword = rootOfTrustPassword,
                ProvisionerPassword = provisionerPassword,
                LifetimeSeconds = life.TotalSeconds,
            });
            return new CryptoNodeInfo(files.NodeId, role, files.DirectoryPath, files.ConfigPath, topics.Select(t => t.Trim()).ToList(),
                DateTimeOffset.FromUnixTimeMilliseconds((long)((now + life.TotalSeconds) * 1000)), Hex.Lower(files.SigningKeys.First(k => k.Type == 1).PublicKey));
        }
    }
}
