using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;

namespace OpenMsiStream.Bench.Support
{
    /// <summary>A file the benchmark wrote, with the SHA-512 its copy must have.</summary>
    internal sealed record SourceFile(string RelativePath, string FullPath, long Length, string Sha512);

    /// <summary>
    /// Writes distinct pseudo-random files quickly: one random 4 MiB block, stamped with the file and
    /// block number at every block so no two files (or blocks) are alike, hashed as it is written.
    /// </summary>
    internal static class TestFiles
    {
        private const int BlockSize = 4 * 1024 * 1024;
        private static readonly byte[] Block = MakeBlock();

        public static List<SourceFile> Write(string directory, string prefix, int count, long length)
        {
            Directory.CreateDirectory(directory);
            var files = new List<SourceFile>(count);
            for (int i = 0; i < count; i++)
            {
                string name = $"{prefix}{i:00000}.dat";
                files.Add(WriteOne(directory, name, i, length));
            }
            return files;
        }

        public static SourceFile WriteOne(string directory, string relativePath, int seed, long length)
        {
            string path = Path.Combine(directory, relativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            byte[] buffer = new byte[(int)Math.Min(BlockSize, Math.Max(length, 16))]; // not 4 MiB for every small file
            using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                long written = 0;
                for (long block = 0; written < length; block++)
                {
                    int size = (int)Math.Min(BlockSize, length - written);
                    Buffer.BlockCopy(Block, 0, buffer, 0, size);
                    Stamp(buffer, size, seed, block);
                    hash.AppendData(buffer, 0, size);
                    stream.Write(buffer, 0, size);
                    written += size;
                }
            }
            return new SourceFile(relativePath.Replace('\\', '/'), path, length, Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant());
        }

        /// <summary>The files whose copies under <paramref name="outputDirectory"/> exist and hash right.</summary>
        public static List<SourceFile> Verified(IEnumerable<SourceFile> sources, string outputDirectory) =>
            sources.AsParallel().Where(source =>
            {
                string copy = Path.Combine(outputDirectory, source.RelativePath);
                if (!File.Exists(copy) || new FileInfo(copy).Length != source.Length)
                {
                    return false;
                }
                using FileStream stream = File.OpenRead(copy);
                return Convert.ToHexString(SHA512.HashData(stream)).ToLowerInvariant() == source.Sha512;
            }).ToList();

        private static void Stamp(byte[] buffer, int size, int seed, long block)
        {
            if (size >= 16)
            {
                BitConverter.TryWriteBytes(buffer.AsSpan(0, 8), (long)seed);
                BitConverter.TryWriteBytes(buffer.AsSpan(8, 8), block);
            }
            else
            {
                buffer[0] ^= (byte)seed;
            }
        }

        private static byte[] MakeBlock()
        {
            byte[] block = new byte[BlockSize];
            new Random(20261124).NextBytes(block);
            return block;
        }
    }
}
