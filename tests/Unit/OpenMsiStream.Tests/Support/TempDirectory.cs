using System;
using System.IO;

namespace OpenMsiStream.Tests.Support
{
    /// <summary>A fresh directory under the system temp directory, deleted afterwards.</summary>
    internal sealed class TempDirectory : IDisposable
    {
        public TempDirectory(string purpose = "test")
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "openmsistream-tests", purpose + "-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string Combine(params string[] parts) => System.IO.Path.Combine(new[] { Path }.Concat(parts));

        /// <summary>Creates a file (and its directories) with the given bytes; returns its full path.</summary>
        public string WriteFile(string relativePath, byte[] content)
        {
            string full = System.IO.Path.Combine(Path, relativePath);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
            return full;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    internal static class ArrayExtensions
    {
        public static string[] Concat(this string[] first, string[] second)
        {
            var all = new string[first.Length + second.Length];
            first.CopyTo(all, 0);
            second.CopyTo(all, first.Length);
            return all;
        }
    }
}
