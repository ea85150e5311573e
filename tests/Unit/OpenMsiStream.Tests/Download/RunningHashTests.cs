using System;
using System.Linq;
using System.Security.Cryptography;
using OpenMsiStream.Download;
using Xunit;

namespace OpenMsiStream.Tests.Download
{
    /// <summary>
    /// The receiver's file hash, fed as chunks are written, partly on the thread pool: it must be the
    /// SHA-512 of the bytes in the order handed over, whichever way each chunk was hashed.
    /// </summary>
    public sealed class RunningHashTests
    {
        [Fact]
        public void ChunksHashedInTheBackgroundGiveTheHashOfTheBytesInOrder()
        {
            // More chunks than may wait at once, of sizes that differ, so that a chunk hashed out of turn or
            // twice, or one skipped when the caller had to wait, changes the result.
            byte[][] chunks = Enumerable.Range(0, 40).Select(i => Bytes(1000 + i * 997, i)).ToArray();
            using var hash = new RunningHash();
            for (int i = 0; i < chunks.Length; i++)
            {
                hash.Append(new ArraySegment<byte>(chunks[i]), inBackground: i % 7 != 3);
            }
            Assert.Equal(chunks.Sum(c => (long)c.Length), hash.Length);
            Assert.Equal(SHA512.HashData(chunks.SelectMany(c => c).ToArray()), hash.Finish());
        }

        [Fact]
        public void FinishStartsAgainAndResetForgets()
        {
            byte[] first = Bytes(300_000, 1), second = Bytes(200_000, 2);
            using var hash = new RunningHash();
            hash.Append(new ArraySegment<byte>(first), inBackground: true);
            Assert.Equal(SHA512.HashData(first), hash.Finish());
            Assert.Equal(0, hash.Length);

            hash.Append(new ArraySegment<byte>(first), inBackground: true);
            hash.Reset();
            Assert.Equal(0, hash.Length);
            hash.Append(new ArraySegment<byte>(second, 10, 5000), inBackground: true);
            Assert.Equal(SHA512.HashData(second.AsSpan(10, 5000)), hash.Finish());
        }

        private static byte[] Bytes(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }
    }
}
