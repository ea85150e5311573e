using System;
using System.IO;
using OpenMsiStream.FileSystem;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// Reads and writes the three node files. Every write goes to a temporary file in the same
    /// directory, is flushed to disk and then renamed over (or, for a new file, onto) its target, so
    /// that a crash leaves either the old or the new content: a torn <c>.seed</c> would lose the
    /// ratchet, and a reused ratchet state means reused (key, nonce) pairs. Secret files are made
    /// owner-only before any byte of them is written.
    /// </summary>
    internal static class NodeFileIO
    {
        public static byte[] ReadAll(string path, string what)
        {
            try
            {
                return File.ReadAllBytes(path);
            }
            catch (FileNotFoundException)
            {
                throw NodeErrors.NotFound(path, what);
            }
            catch (DirectoryNotFoundException)
            {
                throw NodeErrors.NotFound(path, what);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw NodeErrors.Unreadable(path, ex);
            }
        }

        /// <summary>Atomically replaces (or creates) a secret file; the result is mode 0600 on Unix.</summary>
        public static void ReplaceSecret(string path, byte[] content) =>
            Commit(path, temp => WriteNew(temp, content, ownerOnly: true), replace: true);

        /// <summary>Creates a secret file that must not exist yet (mode 0600 on Unix).</summary>
        public static void CreateSecret(string path, byte[] content) =>
            Commit(path, temp => WriteNew(temp, content, ownerOnly: true), replace: false);

        /// <summary>Creates a non-secret file that must not exist yet.</summary>
        public static void CreateText(string path, string text) =>
            Commit(path, temp => WriteNew(temp, Utf8(text), ownerOnly: false), replace: false);

        /// <summary>
        /// Atomically replaces an existing text file. The temporary file starts as a copy of the old
        /// one so that it keeps its permissions (KafkaCrypto does the same with copymode).
        /// </summary>
        public static void ReplaceText(string path, string text) =>
            Commit(path, temp =>
            {
                File.Copy(path, temp);
                using (var stream = new FileStream(temp, FileMode.Truncate, FileAccess.Write, FileShare.None))
                {
                    byte[] bytes = Utf8(text);
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(flushToDisk: true);
                }
            }, replace: true);

        private static void Commit(string path, Action<string> writeTemp, bool replace)
        {
            string full = Path.GetFullPath(path);
            string directory = Path.GetDirectoryName(full) ?? ".";
            string temp = Path.Combine(directory, "." + Path.GetFileName(full) + ".tmp-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            try
            {
                writeTemp(temp);
                if (replace)
                {
                    AtomicFile.MoveReplacing(temp, full);
                }
                else
                {
                    File.Move(temp, full); // fails if the target appeared meanwhile: never overwrite
                }
                UnixFilePermissions.SyncDirectory(directory);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw NodeErrors.Unwritable(full, ex);
            }
            finally
            {
                TryDelete(temp);
            }
        }

        private static void WriteNew(string path, byte[] content, bool ownerOnly)
        {
            using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                if (ownerOnly)
                {
                    UnixFilePermissions.MakeOwnerOnly(stream);
                }
                stream.Write(content, 0, content.Length);
                stream.Flush(flushToDisk: true);
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                if (File.Exists(path))
                {
                    File.Delete(path);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        private static byte[] Utf8(string text) => new System.Text.UTF8Encoding(false).GetBytes(text);
    }
}
