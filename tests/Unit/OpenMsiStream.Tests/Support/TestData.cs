using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Tests.Support
{
    internal static class TestData
    {
        /// <summary>Deterministic pseudo-random bytes.</summary>
        public static byte[] Bytes(int length, int seed = 1)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }

        public static string Sha512Hex(byte[] bytes) => Hex.Lower(SHA512.HashData(bytes));

        public static string Sha512Hex(string path) => Hex.Lower(SHA512.HashData(File.ReadAllBytes(path)));

        /// <summary>Every file under <paramref name="root"/> (relative POSIX path), excluding the product's state directory.</summary>
        public static string[] RelativeFiles(string root) =>
            Directory.GetFiles(root, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
                .Where(f => !f.StartsWith(".openmsistream/", StringComparison.Ordinal))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToArray();
    }
}
