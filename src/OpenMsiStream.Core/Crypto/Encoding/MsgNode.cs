using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using MessagePack;

namespace OpenMsiStream.Crypto.Encoding
{
    /// <summary>The kinds of msgpack value KafkaCrypto puts on the wire and in its files.</summary>
    internal enum MsgKind
    {
        Nil,
        Boolean,
        Integer,
        Float,
        Bytes,
        Array,
        Map,
    }

    /// <summary>
    /// One decoded msgpack value, kept together with its exact encoded bytes. KafkaCrypto is read the
    /// way Python reads it (<c>raw=True</c>): str and bin both come back as bytes, and a number may be
    /// an int or a float. Signatures are checked over the received bytes, so <see cref="Raw"/> matters.
    /// </summary>
    internal sealed class MsgNode
    {
        private static readonly IReadOnlyList<MsgNode> NoItems = Array.Empty<MsgNode>();
        private static readonly IReadOnlyList<KeyValuePair<MsgNode, MsgNode>> NoEntries = Array.Empty<KeyValuePair<MsgNode, MsgNode>>();

        private MsgNode(MsgKind kind, byte[] raw)
        {
            Kind = kind;
            Raw = raw;
            Items = NoItems;
            Entries = NoEntries;
            Bytes = Array.Empty<byte>();
        }

        public MsgKind Kind { get; }

        /// <summary>The exact encoded bytes of this value (header included).</summary>
        public byte[] Raw { get; }

        public bool Boolean { get; private set; }

        /// <summary>Integer value; for an unsigned value above <see cref="long.MaxValue"/> see <see cref="UnsignedInteger"/>.</summary>
        public long Integer { get; private set; }

        /// <summary>Set only for unsigned integers too large for <see cref="Integer"/>.</summary>
        public ulong? UnsignedInteger { get; private set; }

        public double Float { get; private set; }

        /// <summary>The bytes of a bin or str value.</summary>
        public byte[] Bytes { get; private set; }

        /// <summary>True when a <see cref="MsgKind.Bytes"/> value was encoded as str rather than bin.</summary>
        public bool IsString { get; private set; }

        public IReadOnlyList<MsgNode> Items { get; private set; }

        public IReadOnlyList<KeyValuePair<MsgNode, MsgNode>> Entries { get; private set; }

        public bool IsNil => Kind == MsgKind.Nil;

        public bool IsArray => Kind == MsgKind.Array;

        public bool IsBytes => Kind == MsgKind.Bytes;

        public bool IsNumber => Kind == MsgKind.Integer || Kind == MsgKind.Float;

        /// <summary>An int or float as a double (KafkaCrypto's timestamps are either).</summary>
        public double AsNumber() => Kind switch
        {
            MsgKind.Integer => UnsignedInteger.HasValue ? UnsignedInteger.Value : Integer,
            MsgKind.Float => Float,
            _ => throw Mismatch("a number"),
        };

        public long AsInteger() => Kind == MsgKind.Integer && !UnsignedInteger.HasValue ? Integer : throw Mismatch("an integer");

        /// <summary>The bytes of a bin or str value (Python's <c>raw=True</c> makes both bytes).</summary>
        public byte[] AsBytes() => Kind == MsgKind.Bytes ? Bytes : throw Mismatch("bytes");

        /// <summary>A bin or str value read as UTF-8 text.</summary>
        public string AsText() => System.Text.Encoding.UTF8.GetString(AsBytes());

        public IReadOnlyList<MsgNode> AsArray() => Kind == MsgKind.Array ? Items : throw Mismatch("an array");

        public IReadOnlyList<MsgNode> AsArray(int length)
        {
            IReadOnlyList<MsgNode> items = AsArray();
            return items.Count == length ? items : throw new MsgPackFormatException($"expected an array of {length} items, found {items.Count}");
        }

        /// <summary>Decodes exactly one value that fills <paramref name="data"/>; trailing bytes are an error.</summary>
        public static MsgNode Parse(byte[] data)
        {
            if (data == null || data.Length == 0)
            {
                throw new MsgPackFormatException("no msgpack data");
            }
            try
            {
                var reader = new MessagePackReader(new ReadOnlyMemory<byte>(data));
                MsgNode node = Read(ref reader, data, 0);
                if (!reader.End)
                {
                    throw new MsgPackFormatException($"{data.Length - reader.Consumed} bytes after the msgpack value");
                }
                return node;
            }
            catch (MessagePackSerializationException ex)
            {
                throw new MsgPackFormatException(ex.Message);
            }
            catch (System.IO.EndOfStreamException)
            {
                throw new MsgPackFormatException("the msgpack value is truncated");
            }
            catch (ArgumentException ex)
            {
                // A length header that claims more bytes than remain (MessagePackReader throws ArgumentOutOfRange).
                throw new MsgPackFormatException("invalid msgpack: " + ex.Message);
            }
            catch (OverflowException ex)
            {
                throw new MsgPackFormatException("invalid msgpack: " + ex.Message);
            }
        }

        /// <summary>As <see cref="Parse"/>, but false instead of an exception.</summary>
        public static bool TryParse(byte[] data, out MsgNode? node)
        {
            try
            {
                node = Parse(data);
                return true;
            }
            catch (MsgPackFormatException)
            {
                node = null;
                return false;
            }
        }

        private const int MaxDepth = 32; // hostile input must not overflow the stack

        private static MsgNode Read(ref MessagePackReader reader, byte[] data, int depth)
        {
            if (depth > MaxDepth)
            {
                throw new MsgPackFormatException("msgpack nesting is too deep");
            }
            int start = (int)reader.Consumed;
            MsgNode node;
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Nil:
                    reader.ReadNil();
                    node = new MsgNode(MsgKind.Nil, Slice(data, start, reader));
                    break;
                case MessagePackType.Boolean:
                    bool b = reader.ReadBoolean();
                    node = new MsgNode(MsgKind.Boolean, Slice(data, start, reader)) { Boolean = b };
                    break;
                case MessagePackType.Integer:
                    if (reader.NextCode == MessagePackCode.UInt64)
                    {
                        ulong u = reader.ReadUInt64();
                        node = new MsgNode(MsgKind.Integer, Slice(data, start, reader));
                        if (u > long.MaxValue)
                        {
                            node.UnsignedInteger = u;
                        }
                        else
                        {
                            node.Integer = (long)u;
                        }
                    }
                    else
                    {
                        long i = reader.ReadInt64();
                        node = new MsgNode(MsgKind.Integer, Slice(data, start, reader)) { Integer = i };
                    }
                    break;
                case MessagePackType.Float:
                    double f = reader.ReadDouble();
                    node = new MsgNode(MsgKind.Float, Slice(data, start, reader)) { Float = f };
                    break;
                case MessagePackType.Binary:
                    byte[] bin = ToArray(reader.ReadBytes());
                    node = new MsgNode(MsgKind.Bytes, Slice(data, start, reader)) { Bytes = bin };
                    break;
                case MessagePackType.String:
                    byte[] str = ToArray(reader.ReadStringSequence());
                    node = new MsgNode(MsgKind.Bytes, Slice(data, start, reader)) { Bytes = str, IsString = true };
                    break;
                case MessagePackType.Array:
                    int count = reader.ReadArrayHeader();
                    var items = new List<MsgNode>(Math.Min(count, 1024));
                    for (int n = 0; n < count; n++)
                    {
                        items.Add(Read(ref reader, data, depth + 1));
                    }
                    node = new MsgNode(MsgKind.Array, Slice(data, start, reader)) { Items = items };
                    break;
                case MessagePackType.Map:
                    int pairs = reader.ReadMapHeader();
                    var entries = new List<KeyValuePair<MsgNode, MsgNode>>(Math.Min(pairs, 1024));
                    for (int n = 0; n < pairs; n++)
                    {
                        MsgNode key = Read(ref reader, data, depth + 1);
                        MsgNode value = Read(ref reader, data, depth + 1);
                        entries.Add(new KeyValuePair<MsgNode, MsgNode>(key, value));
                    }
                    node = new MsgNode(MsgKind.Map, Slice(data, start, reader)) { Entries = entries };
                    break;
                default:
                    throw new MsgPackFormatException($"unsupported msgpack type {reader.NextMessagePackType} at byte {start}");
            }
            return node;
        }

        private static byte[] Slice(byte[] data, int start, MessagePackReader reader)
        {
            int end = (int)reader.Consumed;
            var raw = new byte[end - start];
            Buffer.BlockCopy(data, start, raw, 0, raw.Length);
            return raw;
        }

        private static byte[] ToArray(ReadOnlySequence<byte>? sequence) => sequence.HasValue ? sequence.Value.ToArray() : Array.Empty<byte>();

        private MsgPackFormatException Mismatch(string expected) =>
            new MsgPackFormatException($"expected {expected}, found {Kind}");

        public override string ToString() => Kind switch
        {
            MsgKind.Integer => UnsignedInteger?.ToString(CultureInfo.InvariantCulture) ?? Integer.ToString(CultureInfo.InvariantCulture),
            MsgKind.Float => Float.ToString("R", CultureInfo.InvariantCulture),
            MsgKind.Bytes => IsString ? AsText() : Diagnostics.Hex.Lower(Bytes),
            MsgKind.Array => "[" + string.Join(", ", Items) + "]",
            _ => Kind.ToString(),
        };
    }

    /// <summary>Bytes that are not the msgpack structure KafkaCrypto expects.</summary>
    internal sealed class MsgPackFormatException : Exception
    {
        public MsgPackFormatException(string message)
            : base(message)
        {
        }
    }
}
