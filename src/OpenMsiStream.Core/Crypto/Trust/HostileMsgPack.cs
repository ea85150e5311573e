using System;
using OpenMsiStream.Crypto.Encoding;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// <see cref="MsgNode.TryParse"/> for bytes from the network. MessagePack's reader reports some
    /// malformed input (e.g. a bin length beyond the end of the buffer) as
    /// <see cref="ArgumentOutOfRangeException"/> rather than a serialization error, which
    /// <see cref="MsgNode.TryParse"/> does not catch; a hostile record must never become an exception.
    /// </summary>
    internal static class HostileMsgPack
    {
        public static bool TryParse(byte[]? data, out MsgNode? node)
        {
            node = null;
            if (data == null || data.Length == 0)
            {
                return false;
            }
            try
            {
                return MsgNode.TryParse(data, out node);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is OverflowException || ex is InvalidOperationException || ex is MsgPackFormatException)
            {
                node = null;
                return false;
            }
        }
    }
}
