using System;
using System.Diagnostics;
using System.Security.Cryptography;

namespace OpenMsiStream.Bench.Measurements
{
    /// <summary>
    /// SHA-512 on one core, in 512 KiB pieces as the chunker hashes: the cost of one hash pass over
    /// every byte, which the sender (file hash, chunk hashes) and the receiver (file hash) each pay.
    /// </summary>
    internal static class HashCeiling
    {
        public static Figure Measure(long bytes)
        {
            byte[] chunk = new byte[512 * 1024];
            new Random(7).NextBytes(chunk);
            byte[] digest = new byte[64];
            SHA512.HashData(chunk, digest); // warm up
            var clock = Stopwatch.StartNew();
            long done = 0;
            while (done < bytes)
            {
                SHA512.HashData(chunk, digest);
                done += chunk.Length;
            }
            return new Figure("SHA-512, one core", "-", done, 0, clock.Elapsed);
        }
    }
}
