using System;
using OpenMsiStream.Crypto.Encoding;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// Python's <c>==</c> between two values unpacked with <c>raw=True</c>, which is how KafkaCrypto
    /// decides whether a key is on the allowlist or denylist: str and bin with the same bytes are
    /// equal, an int equals a float of the same value, lists compare item by item.
    /// </summary>
    internal static class PyEquality
    {
        public static bool Equal(MsgNode a, MsgNode b)
        {
            if (a.IsBytes && b.IsBytes)
            {
                return a.Bytes.AsSpan().SequenceEqual(b.Bytes);
            }
            if (a.IsNumber && b.IsNumber)
            {
                if (a.Kind == MsgKind.Integer && b.Kind == MsgKind.Integer)
                {
                    return a.Integer == b.Integer && a.UnsignedInteger == b.UnsignedInteger;
                }
                return a.AsNumber() == b.AsNumber();
            }
            if (a.IsArray && b.IsArray)
            {
                if (a.Items.Count != b.Items.Count)
                {
                    return false;
                }
                for (int i = 0; i < a.Items.Count; i++)
                {
                    if (!Equal(a.Items[i], b.Items[i]))
                    {
                        return false;
                    }
                }
                return true;
            }
            if (a.Kind != b.Kind)
            {
                return false;
            }
            return a.Kind switch
            {
                MsgKind.Nil => true,
                MsgKind.Boolean => a.Boolean == b.Boolean,
                _ => a.Raw.AsSpan().SequenceEqual(b.Raw), // maps never carry keys; exact bytes are enough
            };
        }
    }
}
