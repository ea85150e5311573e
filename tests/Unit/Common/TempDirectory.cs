using System;
using System.IO;

namespace OpenMsiStream.Tests.Common
{
    /// <summary>A fresh directory under the system temp directory, deleted afterwards. Shared by both test projects.</summary>
    public sealed class TempDirectory : IDisposable
    {
        public TempDirectory(string purpose = "test")
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "openmsistream-tests", purpose + "-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string Combine(params string[] parts)
        {
            var all = new string[parts.Length + 1];
            all[0] = Path;
            parts.CopyTo(all, 1);
            return System.IO.Path.Combine(all);
        }

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
}
