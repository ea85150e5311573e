using System;
using OpenMsiStream.Chunks;

namespace OpenMsiStream.Upload
{
    public sealed class SendOptions
    {
        public SendOptions(string topic) => Topic = topic;

        public string Topic { get; }

        /// <summary>Bytes per chunk: a power of two that fits the producer's message.max.bytes.</summary>
        public int ChunkSize { get; set; } = ChunkSizeRules.Default;

        /// <summary>How long to wait for the first answer from the broker before giving up.</summary>
        public TimeSpan ConnectTimeout { get; set; } = Defaults.ConnectTimeout;

        /// <summary>Files read and produced at the same time (reading and hashing take a core each).</summary>
        public int MaxConcurrentFiles { get; set; } = Math.Max(2, Environment.ProcessorCount);

        /// <summary>Upper bound on the data bytes per second handed to the producer; null for no limit.</summary>
        public long? MaxBytesPerSecond { get; set; }
    }
}
