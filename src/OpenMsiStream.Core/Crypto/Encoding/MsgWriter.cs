using System;
using MessagePack;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Crypto.Encoding
{
    /// <summary>
    /// Writes msgpack the way Python's <c>msgpack.packb(use_bin_type=True)</c> does, which is what
    /// KafkaCrypto signs and sends: bin for bytes, str (str8 allowed) for text, float64 for times and
    /// the smallest integer encoding. Peers verify signatures over the bytes they receive, so exact
    /// mirroring only matters for the golden vectors, but mirroring keeps those byte-identical.
    /// </summary>
    internal sealed class MsgWriter
    {
        private readonly GrowableBufferWriter _buffer = new GrowableBufferWriter(256);

        public MsgWriter ArrayHeader(int count) => Do((ref MessagePackWriter w) => w.WriteArrayHeader(count));

        public MsgWriter MapHeader(int count) => Do((ref MessagePackWriter w) => w.WriteMapHeader(count));

        public MsgWriter Bin(byte[] bytes) => Do((ref MessagePackWriter w) => w.Write(bytes.AsSpan()));

        public MsgWriter Str(string text) => Do((ref MessagePackWriter w) => w.Write(text));

        public MsgWriter Int(long value) => Do((ref MessagePackWriter w) => w.Write(value));

        public MsgWriter Float64(double value) => Do((ref MessagePackWriter w) => w.Write(value));

        public MsgWriter Bool(bool value) => Do((ref MessagePackWriter w) => w.Write(value));

        public MsgWriter Nil() => Do((ref MessagePackWriter w) => w.WriteNil());

        /// <summary>Appends bytes that are already one encoded msgpack value (e.g. a received element, kept verbatim).</summary>
        public MsgWriter Raw(byte[] encoded) => Do((ref MessagePackWriter w) => w.WriteRaw(encoded.AsSpan()));

        public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

        private delegate void WriteAction(ref MessagePackWriter writer);

        private MsgWriter Do(WriteAction action)
        {
            var writer = new MessagePackWriter(_buffer);
            action(ref writer);
            writer.Flush();
            return this;
        }
    }
}
