using System;
using System.IO;
using System.Security.Cryptography;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.FileSystem;

namespace OpenMsiStream.Processing
{
    /// <summary>
    /// Copies of files received into memory that must survive a restart: those whose handler failed,
    /// so they can be processed again without the broker sending them again. One copy per path and
    /// version (<c>&lt;sha512&gt;-&lt;path hash&gt;.bin</c> under the state directory's <c>kept</c> folder), so
    /// releasing one file's copy never removes another's with the same content.
    /// </summary>
    internal sealed class KeptContent
    {
        private readonly string _directory;

        public KeptContent(string stateDirectory) => _directory = Path.Combine(stateDirectory, "kept");

        public bool Owns(string? path) =>
            path != null && string.Equals(Path.GetDirectoryName(Path.GetFullPath(path)), _directory, StringComparison.Ordinal);

        /// <summary>Writes the content durably (flushed to disk before the rename) and returns its path.</summary>
        public string Keep(string relativePath, string sha512, byte[] content)
        {
            Directory.CreateDirectory(_directory);
            string path = PathFor(relativePath, sha512);
            if (File.Exists(path) && new FileInfo(path).Length == content.Length)
            {
                return path;
            }
            string temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    stream.Write(content, 0, content.Length);
                    stream.Flush(flushToDisk: true);
                }
                AtomicFile.MoveReplacing(temp, path);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
            return path;
        }

        public string PathFor(string relativePath, string sha512)
        {
            using var sha = SHA256.Create();
            string pathHash = Hex.Lower(sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(relativePath))).Substring(0, 16);
            return Path.Combine(_directory, sha512 + "-" + pathHash + ".bin");
        }

        /// <summary>Removes a kept copy once it is no longer needed; paths outside the folder are left alone.</summary>
        public void Release(string? path)
        {
            if (!Owns(path))
            {
                return;
            }
            try
            {
                File.Delete(path!);
            }
            catch (IOException)
            {
                // Removed again at the next release; a leftover copy does no harm.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        /// <summary>The SHA-512 of a file on disk, lower-case hex.</summary>
        public static string HashOf(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            using var sha = SHA512.Create();
            return Hex.Lower(sha.ComputeHash(stream));
        }
    }
}
