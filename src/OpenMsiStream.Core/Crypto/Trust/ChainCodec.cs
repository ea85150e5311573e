using System;
using System.Collections.Generic;
using OpenMsiStream.Crypto.Encoding;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// A chain on the wire and in <c>.config</c>: <c>msgpack([signed_1, ..., signed_n])</c>, each
    /// element a bin (Python also accepts str, read as bytes) holding a combined signature.
    /// </summary>
    internal static class ChainCodec
    {
        /// <summary>For trusted input (a node's own configuration); throws <see cref="MsgPackFormatException"/>.</summary>
        public static IReadOnlyList<byte[]> Parse(byte[] chainMsgpack) =>
            TryParse(chainMsgpack, out IReadOnlyList<byte[]> elements, out string reason) ? elements : throw new MsgPackFormatException(reason);

        /// <summary>For network input: never throws.</summary>
        public static bool TryParse(byte[]? chainMsgpack, out IReadOnlyList<byte[]> elements, out string reason)
        {
            elements = Array.Empty<byte[]>();
            if (!HostileMsgPack.TryParse(chainMsgpack, out MsgNode? node) || !node!.IsArray)
            {
                reason = "the chain is not a msgpack list";
                return false;
            }
            var list = new List<byte[]>(node.Items.Count);
            foreach (MsgNode item in node.Items)
            {
                if (!item.IsBytes)
                {
                    reason = $"a chain element is a {item.Kind}, not bytes";
                    return false;
                }
                list.Add(item.Bytes);
            }
            elements = list;
            reason = string.Empty;
            return true;
        }

        /// <summary><c>msgpack([elements..., extra?])</c> with every element as bin.</summary>
        public static byte[] Pack(IReadOnlyList<byte[]> elements, byte[]? last = null)
        {
            var writer = new MsgWriter().ArrayHeader(elements.Count + (last == null ? 0 : 1));
            foreach (byte[] element in elements)
            {
                writer.Bin(element);
            }
            if (last != null)
            {
                writer.Bin(last);
            }
            return writer.ToArray();
        }
    }
}
