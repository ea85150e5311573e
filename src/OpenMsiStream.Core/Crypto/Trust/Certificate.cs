using System;
using System.Collections.Generic;
using OpenMsiStream.Crypto.Encoding;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// An unsigned KafkaCrypto certificate: <c>msgpack([max_age, poison_bin, key_field, extra...])</c>.
    /// The same shape serves allowlist/denylist entries, every chain element once its signature is
    /// removed, and the signed leaves of key requests and responses (where the key field holds
    /// ephemeral keys and the extras carry random values and the key box). Parsing is total: bad
    /// input yields a reason, never an exception, because certificates arrive from the network.
    /// </summary>
    internal sealed class Certificate
    {
        internal Certificate(double maxAge, IReadOnlyList<PoisonEntry> poisons, MsgNode keyField, IReadOnlyList<MsgNode> extra)
        {
            MaxAge = maxAge;
            Poisons = poisons;
            KeyField = keyField;
            Extra = extra;
        }

        /// <summary>Expiry as Unix seconds; 0 (or any value not above 0) means "never expires".</summary>
        public double MaxAge { get; }

        public IReadOnlyList<PoisonEntry> Poisons { get; }

        /// <summary>A signing key, an ephemeral key or a list of ephemeral keys, as sent.</summary>
        public MsgNode KeyField { get; }

        /// <summary>Items after the key field (random values, key box), as sent.</summary>
        public IReadOnlyList<MsgNode> Extra { get; }

        public static bool TryParse(byte[] msgpack, out Certificate? cert, out string reason)
        {
            cert = null;
            if (!HostileMsgPack.TryParse(msgpack, out MsgNode? node))
            {
                reason = "not msgpack";
                return false;
            }
            return TryParse(node!, out cert, out reason);
        }

        public static bool TryParse(MsgNode node, out Certificate? cert, out string reason)
        {
            cert = null;
            if (!node.IsArray || node.Items.Count < 3)
            {
                reason = "not a [max_age, poison, key, ...] array";
                return false;
            }
            MsgNode age = node.Items[0];
            if (!age.IsNumber || double.IsNaN(age.AsNumber()))
            {
                reason = "max_age is not a number";
                return false;
            }
            if (!TryParsePoisons(node.Items[1], out IReadOnlyList<PoisonEntry> poisons, out reason))
            {
                return false;
            }
            var extra = new List<MsgNode>();
            for (int i = 3; i < node.Items.Count; i++)
            {
                extra.Add(node.Items[i]);
            }
            cert = new Certificate(age.AsNumber(), poisons, node.Items[2], extra);
            reason = string.Empty;
            return true;
        }

        private static bool TryParsePoisons(MsgNode blob, out IReadOnlyList<PoisonEntry> poisons, out string reason)
        {
            poisons = Array.Empty<PoisonEntry>();
            if (!blob.IsBytes || !HostileMsgPack.TryParse(blob.Bytes, out MsgNode? list) || !list!.IsArray)
            {
                reason = "the poison field is not a msgpack list";
                return false;
            }
            var entries = new List<PoisonEntry>(list.Items.Count);
            foreach (MsgNode item in list.Items)
            {
                if (!PoisonEntry.TryParse(item, out PoisonEntry? entry, out reason))
                {
                    return false;
                }
                entries.Add(entry!);
            }
            poisons = entries;
            reason = string.Empty;
            return true;
        }
    }
}
