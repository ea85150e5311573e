using System;
using System.Linq;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Crypto.Data
{
    /// <summary>
    /// Names one producer key generation. Long form (the default): 32 bytes of BLAKE2b over the
    /// producer's signing keys and ratchet index. Short form (legacy, single producer only): the ratchet
    /// index itself as a msgpack integer. Decoders must accept both; equality follows Python's (bytes
    /// equal bytes, int equals int).
    /// </summary>
    internal sealed class KeyIndex : IEquatable<KeyIndex>
    {
        private KeyIndex(byte[]? bytes, long? number)
        {
            Bytes = bytes;
            Number = number;
        }

        /// <summary>The long form, or null for a short one.</summary>
        public byte[]? Bytes { get; }

        /// <summary>The short form, or null for a long one.</summary>
        public long? Number { get; }

        public static KeyIndex FromBytes(byte[] bytes) => new KeyIndex((byte[])bytes.Clone(), null);

        public static KeyIndex FromNumber(long number) => new KeyIndex(null, number);

        /// <summary>Reads a key index element (bin/str or int); throws <see cref="MsgPackFormatException"/> otherwise.</summary>
        public static KeyIndex FromNode(MsgNode node) => node.Kind switch
        {
            MsgKind.Bytes => FromBytes(node.Bytes),
            MsgKind.Integer => FromNumber(node.AsInteger()),
            _ => throw new MsgPackFormatException($"a key index must be bytes or an integer, found {node.Kind}"),
        };

        public void WriteTo(MsgWriter writer)
        {
            if (Bytes != null)
            {
                writer.Bin(Bytes);
            }
            else
            {
                writer.Int(Number!.Value);
            }
        }

        public bool Equals(KeyIndex? other) =>
            other != null && (Bytes != null
                ? other.Bytes != null && Bytes.AsSpan().SequenceEqual(other.Bytes)
                : other.Bytes == null && Number == other.Number);

        public override bool Equals(object? obj) => Equals(obj as KeyIndex);

        public override int GetHashCode() =>
            Bytes != null ? Bytes.Take(8).Aggregate(17, (h, b) => (h * 31) + b) : Number!.Value.GetHashCode();

        /// <summary>Hex of the long form, or the number: short enough for log lines and error records.</summary>
        public override string ToString() => Bytes != null ? Hex.Lower(Bytes) : "#" + Number!.Value;
    }
}
