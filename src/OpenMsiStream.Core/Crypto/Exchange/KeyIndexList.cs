using System;
using System.Collections.Generic;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Trust;

namespace OpenMsiStream.Crypto.Exchange
{
    /// <summary>The Kafka key of requests and responses: <c>msgpack([key_index, ...])</c> (bin or int items).</summary>
    internal static class KeyIndexList
    {
        public static byte[] Pack(IEnumerable<KeyIndex> keyIndices)
        {
            var list = new List<KeyIndex>(keyIndices);
            var writer = new MsgWriter().ArrayHeader(list.Count);
            foreach (KeyIndex keyIndex in list)
            {
                keyIndex.WriteTo(writer);
            }
            return writer.ToArray();
        }

        /// <summary>Reads the list; false for anything that is not a list of bin/str/int key indices.</summary>
        public static bool TryRead(byte[]? key, out IReadOnlyList<KeyIndex> keyIndices, out string reason)
        {
            keyIndices = Array.Empty<KeyIndex>();
            if (!HostileMsgPack.TryParse(key, out MsgNode? node) || !node!.IsArray)
            {
                reason = "the record key is not a msgpack list of key indices";
                return false;
            }
            var list = new List<KeyIndex>(node.Items.Count);
            foreach (MsgNode item in node.Items)
            {
                if (!(item.IsBytes || (item.Kind == MsgKind.Integer && !item.UnsignedInteger.HasValue)))
                {
                    reason = $"the record key holds a {item.Kind} where a key index belongs";
                    return false;
                }
                list.Add(KeyIndex.FromNode(item));
            }
            keyIndices = list;
            reason = string.Empty;
            return true;
        }
    }
}
