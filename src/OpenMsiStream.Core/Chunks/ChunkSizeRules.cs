using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Chunks
{
    /// <summary>
    /// Which chunk sizes work: a power of two (OpenMSIStream's rule) that, with room for the message
    /// header and the key, fits the producer's <c>message.max.bytes</c> (librdkafka rejects bigger
    /// messages, and brokers default to about 1 MB).
    /// </summary>
    public static class ChunkSizeRules
    {
        public const int Default = 524288;

        /// <summary>librdkafka's default <c>message.max.bytes</c>.</summary>
        public const int DefaultMessageMaxBytes = 1000000;

        /// <summary>Bytes kept free for msgpack fields, file names, the key and record framing.</summary>
        public const int HeaderAllowance = 2048;

        public static void Validate(int chunkSize, int messageMaxBytes = DefaultMessageMaxBytes)
        {
            if (chunkSize <= 0 || (chunkSize & (chunkSize - 1)) != 0)
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidChunkSize,
                    $"Chunk size {chunkSize} is not a power of two. Use a power of two such as {Default} (the default), 262144 or 16384.",
                    target: chunkSize);
            }
            if ((long)chunkSize + HeaderAllowance > messageMaxBytes)
            {
                int largest = LargestFitting(messageMaxBytes);
                throw new OpenMsiStreamException(ErrorIds.InvalidChunkSize,
                    $"Chunk size {chunkSize} does not fit in a Kafka message: message.max.bytes is {messageMaxBytes} and a chunk needs up to {HeaderAllowance} more bytes for its header. " +
                    (largest > 0 ? $"Use {largest} or smaller, or raise message.max.bytes on the producer and on the broker or topic." : "Raise message.max.bytes."),
                    target: chunkSize);
            }
        }

        private static int LargestFitting(int messageMaxBytes)
        {
            int size = 1 << 30;
            while (size > 0 && (long)size + HeaderAllowance > messageMaxBytes)
            {
                size >>= 1;
            }
            return size;
        }
    }
}
