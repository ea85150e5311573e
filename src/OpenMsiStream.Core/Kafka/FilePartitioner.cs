using System;
using Confluent.Kafka;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Kafka
{
    /// <summary>
    /// Puts every chunk of a file into the same partition, chosen from the file part of the key
    /// (OpenMSIStream's keys differ per chunk, so its default partitioner scatters a file). One
    /// partition per file keeps its chunks in order and lets several consumers share a group.
    /// </summary>
    internal static class FilePartitioner
    {
        public static Partition Choose(string topic, int partitionCount, ReadOnlySpan<byte> keyData, bool keyIsNull)
        {
            if (keyIsNull || partitionCount <= 1)
            {
                return new Partition(0);
            }
            return new Partition((int)(Fnv1a(keyData.Slice(0, ChunkMessageKey.FilePartLength(keyData))) % (uint)partitionCount));
        }

        /// <summary>32-bit FNV-1a: stable across processes, runtimes and versions (string.GetHashCode is not).</summary>
        internal static uint Fnv1a(ReadOnlySpan<byte> data)
        {
            uint hash = 2166136261;
            foreach (byte b in data)
            {
                hash = (hash ^ b) * 16777619;
            }
            return hash;
        }
    }
}
