using System;
using System.Buffers;

namespace OpenMsiStream.Wire
{
    /// <summary>
    /// A reusable IBufferWriter over one growing array, for the few hundred bytes of message header
    /// MessagePackWriter produces (netstandard2.0 has no ArrayBufferWriter).
    /// </summary>
    internal sealed class GrowableBufferWriter : IBufferWriter<byte>
    {
        private byte[] _buffer;

        public GrowableBufferWriter(int initialCapacity = 512) => _buffer = new byte[initialCapacity];

        public int WrittenCount { get; private set; }

        public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, WrittenCount);

        public void Clear() => WrittenCount = 0;

        public void Advance(int count) => WrittenCount += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsMemory(WrittenCount);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsSpan(WrittenCount);
        }

        private void Ensure(int sizeHint)
        {
            int needed = WrittenCount + Math.Max(sizeHint, 1);
            if (needed > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
            }
        }
    }
}
