using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Crypto.Encoding;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// Reads the trust material of a node's <c>.config</c>: its certificate chains, its allowlist of
    /// roots and its denylist. KafkaCrypto's built-in <c>temporary</c> root (whose private key is
    /// published in its source) is never passed on, whatever the entry is called: trusting it would
    /// accept chains forged by anyone.
    /// </summary>
    internal sealed class NodeTrustLists
    {
        /// <summary>The public key of KafkaCrypto's built-in temporary root of trust.</summary>
        public static readonly byte[] TemporaryRootPublicKey = FromHex("1a13b0aecdd6751c7dfa43e43284326ad01dbc20a8a00b1566092ab0a542620f");

        public const string TemporaryEntryName = "temporary";

        private NodeTrustLists(IReadOnlyList<byte[]> chains, IReadOnlyList<byte[]> allowlist, IReadOnlyList<byte[]> denylist, bool droppedTemporaryRoot)
        {
            Chains = chains;
            Allowlist = allowlist;
            Denylist = denylist;
            DroppedTemporaryRoot = droppedTemporaryRoot;
        }

        /// <summary>Every stored chain (msgpack array of signed certificates), <c>chain0</c> first.</summary>
        public IReadOnlyList<byte[]> Chains { get; }

        public IReadOnlyList<byte[]> Allowlist { get; }

        public IReadOnlyList<byte[]> Denylist { get; }

        public bool DroppedTemporaryRoot { get; }

        public static NodeTrustLists Read(NodeConfigFile config, string nodeId)
        {
            string crypto = nodeId + "-crypto";
            var chains = Values(config, nodeId + "-chains", config.Path, "chain")
                .OrderBy(e => e.Key == "chain0" ? 0 : 1)
                .Select(e => e.Value).ToList();
            // Files from before 0.9.10 keep one chain and the roots in [<node>-crypto]; KafkaCrypto migrates them on load.
            AddLegacy(config, crypto, "chain", chains);
            var allowEntries = Values(config, nodeId + "-allowlist", config.Path, "allowlist entry").ToList();
            foreach (string legacyRoot in new[] { "rot", "chainrot" })
            {
                string? raw = config.Get(crypto, legacyRoot);
                if (raw != null && ConfigValue.TryDecodeBytes(raw, out byte[] root))
                {
                    allowEntries.Add(new KeyValuePair<string, byte[]>(legacyRoot, root));
                }
            }
            bool dropped = false;
            var allowlist = new List<byte[]>();
            foreach (KeyValuePair<string, byte[]> entry in allowEntries)
            {
                if (entry.Key == TemporaryEntryName || IsTemporaryRoot(entry.Value, config.Path))
                {
                    dropped = true;
                    continue;
                }
                allowlist.Add(entry.Value);
            }
            var denylist = Values(config, nodeId + "-denylist", config.Path, "denylist entry").Select(e => e.Value).ToList();
            foreach (byte[] entry in denylist)
            {
                _ = Certificate(entry, config.Path);
            }
            return new NodeTrustLists(chains, allowlist, denylist, dropped);
        }

        /// <summary>The signed certificates of a chain: a msgpack array whose elements are bin.</summary>
        public static IReadOnlyList<byte[]> ChainElements(byte[] chain, string path)
        {
            try
            {
                return MsgNode.Parse(chain).AsArray().Select(e => e.AsBytes()).ToList();
            }
            catch (MsgPackFormatException ex)
            {
                throw NodeErrors.Invalid(path, "its certificate chain is not a msgpack array of signed certificates (" + ex.Message + ")", ex);
            }
        }

        private static void AddLegacy(NodeConfigFile config, string section, string key, List<byte[]> into)
        {
            string? raw = config.Get(section, key);
            if (raw != null && ConfigValue.TryDecodeBytes(raw, out byte[] value))
            {
                into.Add(value);
            }
        }

        private static IEnumerable<KeyValuePair<string, byte[]>> Values(NodeConfigFile config, string section, string path, string what)
        {
            foreach (KeyValuePair<string, string> entry in config.Entries(section))
            {
                if (!ConfigValue.TryDecodeBytes(entry.Value, out byte[] bytes))
                {
                    throw NodeErrors.Invalid(path, $"the {what} '{entry.Key}' in [{section}] is not a base64# value");
                }
                yield return new KeyValuePair<string, byte[]>(entry.Key, bytes);
            }
        }

        private static bool IsTemporaryRoot(byte[] entry, string path)
        {
            IReadOnlyList<MsgNode> certificate = Certificate(entry, path);
            return certificate[2].IsBytes && certificate[2].AsBytes().AsSpan().SequenceEqual(TemporaryRootPublicKey);
        }

        /// <summary>An unsigned certificate <c>[max_age, poison, key, …]</c>, as allow/deny entries are.</summary>
        private static IReadOnlyList<MsgNode> Certificate(byte[] entry, string path)
        {
            try
            {
                IReadOnlyList<MsgNode> items = MsgNode.Parse(entry).AsArray();
                return items.Count >= 3 ? items : throw new MsgPackFormatException($"{items.Count} items instead of at least 3");
            }
            catch (MsgPackFormatException ex)
            {
                throw NodeErrors.Invalid(path, "an allowlist or denylist entry is not a certificate [max_age, poison, key] (" + ex.Message + ")", ex);
            }
        }

        private static byte[] FromHex(string hex)
        {
            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = Convert.ToByte(hex.Substring(i * 2, 2), 16);
            }
            return bytes;
        }
    }
}
