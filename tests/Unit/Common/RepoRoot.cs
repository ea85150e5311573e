using System;
using System.IO;

namespace OpenMsiStream.Tests.Common
{
    /// <summary>The checkout's root (where OpenMsiStream.psd1 is), found from the test binaries.</summary>
    public static class RepoRoot
    {
        public static string Path { get; } = Find();

        private static string Find()
        {
            string? directory = AppContext.BaseDirectory;
            while (directory != null && !File.Exists(System.IO.Path.Combine(directory, "OpenMsiStream.psd1")))
            {
                directory = System.IO.Path.GetDirectoryName(directory);
            }
            return directory ?? throw new InvalidOperationException("The repository root (with OpenMsiStream.psd1) was not found above " + AppContext.BaseDirectory);
        }
    }
}
