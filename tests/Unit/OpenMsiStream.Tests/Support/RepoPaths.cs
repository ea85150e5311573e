using System;
using System.IO;

namespace OpenMsiStream.Tests.Support
{
    /// <summary>Paths of the checkout and of ../shared beside it, found from the test binaries.</summary>
    internal static class RepoPaths
    {
        public static string Root => Common.RepoRoot.Path;

        public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

        public static string OpenMsiStreamVectors => RequireDirectory(Path.Combine(Shared, "vectors", "openmsistream"));

        public static string KafkaCryptoVectors => RequireDirectory(Path.Combine(Shared, "vectors", "kafkacrypto"));

        /// <summary>The CLI's entry assembly, built beside the tests (the test project references it).</summary>
        public static string CliAssembly => Path.Combine(AppContext.BaseDirectory, "openmsistream.dll");

        private static string RequireDirectory(string path) =>
            Directory.Exists(path) ? path : throw new InvalidOperationException($"Test data '{path}' is missing: ../shared must sit beside the checkout.");
    }
}
