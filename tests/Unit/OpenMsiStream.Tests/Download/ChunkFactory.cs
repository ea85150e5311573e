using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Tests.Download
{
    /// <summary>Splits content into chunks as a producer would, for reassembly tests.</summary>
    internal static class ChunkFactory
    {
        public static List<DataFileChunk> Split(byte[] content, int chunkSize, string subdirectory = "", string filename = "file.dat", double? mtime = 1000, byte[]? claimedFileHash = null)
        {
            byte[] fileHash = claimedFileHash ?? SHA512.HashData(content);
            int count = content.Length == 0 ? 1 : (content.Length + chunkSize - 1) / chunkSize;
            var chunks = new List<DataFileChunk>();
            for (int i = 0; i < count; i++)
            {
                int offset = i * chunkSize;
                ReadOnlyMemory<byte> data = content.AsMemory(offset, Math.Min(chunkSize, content.Length - offset));
                chunks.Add(new DataFileChunk(filename, fileHash, SHA512.HashData(data.Span), offset, i + 1, count, subdirectory, "", data, mtime));
            }
            return chunks;
        }
    }
}
