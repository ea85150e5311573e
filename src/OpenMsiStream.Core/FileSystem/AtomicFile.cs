using System;
using System.IO;
using System.Linq;
using System.Text;

namespace OpenMsiStream.FileSystem
{
    /// <summary>Moves and writes that a reader (or a crash) never sees half done.</summary>
    public static class AtomicFile
    {
        /// <summary>
        /// Renames <paramref name="source"/> to <paramref name="target"/>, replacing an existing file of
        /// any length, and makes the rename durable (the target's directory is fsynced), so what is
        /// recorded as done after this call survives a power cut. Both must be on the same volume.
        /// netstandard2.0 has no File.Move(overwrite), and File.Replace needs an existing target, so the
        /// two are combined.
        /// </summary>
        public static void MoveReplacing(string source, string target)
        {
            Rename(source, target);
            DirectorySync.SyncParentOf(target); // best effort: a file system that cannot sync a directory (some network shares) still has the file
        }

        /// <summary>
        /// <see cref="MoveReplacing"/> without the directory's fsync, for callers that put many files in
        /// place and sync each directory once (see Download.GroupCommit); not durable until they do.
        /// </summary>
        internal static void Rename(string source, string target)
        {
            if (PosixRename.TryReplace(source, target))
            {
                return;
            }
            // Windows, or rename(2) refused: .NET's calls, which raise the exception that says why.
            if (!File.Exists(target))
            {
                try
                {
                    File.Move(source, target);
                    return;
                }
                catch (IOException) when (File.Exists(target))
                {
                    // The target appeared in between: fall through and replace it.
                }
            }
            File.Replace(source, target, destinationBackupFileName: null);
        }

        /// <summary>Writes <paramref name="text"/> (UTF-8 unless <paramref name="encoding"/> says otherwise) through a temporary file in the same directory.</summary>
        public static void WriteAllText(string path, string text, Encoding? encoding = null)
        {
            string full = Path.GetFullPath(path);
            string? directory = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
            string temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
            try
            {
                byte[] bytes = (encoding ?? new UTF8Encoding(false)).GetPreamble().Concat((encoding ?? new UTF8Encoding(false)).GetBytes(text)).ToArray();
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    stream.Write(bytes, 0, bytes.Length);
                    // fsync / FlushFileBuffers before the rename: otherwise a power cut can leave the new name on
                    // a file whose content never reached the disk.
                    stream.Flush(flushToDisk: true);
                }
                MoveReplacing(temp, full);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }
    }
}
