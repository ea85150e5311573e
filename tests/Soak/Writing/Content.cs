using System;
using System.IO;
using System.Security.Cryptography;

namespace OpenMsiStream.Soak.Writing
{
    /// <summary>Random content and SHA-512 (lower-case hex, as the CLI prints it) of bytes and files.</summary>
    internal static class Content
    {
        public static byte[] Random(Random random, long length)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            return bytes;
        }

        public static string Sha512(byte[] bytes) => Convert.ToHexStringLower(SHA512.HashData(bytes));

        public static string Sha512OfFile(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 20);
            return Convert.ToHexStringLower(SHA512.HashData(stream));
        }

        /// <summary>The SHA-512 of <paramref name="bytes"/> followed by bytes [from, to) of a file.</summary>
        public static string Sha512OfBytesThenFileRange(byte[] bytes, string path, long from, long to)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            hash.AppendData(bytes);
            var buffer = new byte[1 << 20];
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1))
            {
                stream.Seek(from, SeekOrigin.Begin);
                long left = to - from;
                while (left > 0)
                {
                    int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (read == 0)
                    {
                        throw new InvalidOperationException($"'{path}' is shorter than the writer thought.");
                    }
                    hash.AppendData(buffer, 0, read);
                    left -= read;
                }
            }
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        /// <summary>The SHA-512 of the first <paramref name="split"/> bytes of <paramref name="head"/> followed by the rest of <paramref name="tail"/> (same lengths).</summary>
        public static string Sha512OfSplice(byte[] head, byte[] tail, int split)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            hash.AppendData(head, 0, split);
            hash.AppendData(tail, split, tail.Length - split);
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        /// <summary>The SHA-512 of the first <paramref name="length"/> bytes of a file followed by <paramref name="appended"/>.</summary>
        public static string Sha512OfPrefixAnd(string path, long length, byte[] appended)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            var buffer = new byte[1 << 20];
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1))
            {
                long left = length;
                while (left > 0)
                {
                    int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (read == 0)
                    {
                        throw new InvalidOperationException($"'{path}' is shorter than the writer thought ({length - left} of {length} bytes).");
                    }
                    hash.AppendData(buffer, 0, read);
                    left -= read;
                }
            }
            hash.AppendData(appended);
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
    }
}
