using System;
using System.IO;
using System.Runtime.InteropServices;

namespace OpenMsiStream.FileSystem
{
    /// <summary>
    /// Makes a rename durable. On Linux and macOS a rename lives in the directory, and a power cut can
    /// undo it until the directory itself is fsynced; .NET has no API for that, so this opens the
    /// directory and calls fsync(2). On Windows (NTFS journals its metadata) it does nothing.
    /// </summary>
    internal static class DirectorySync
    {
        private const int ReadOnly = 0; // O_RDONLY on Linux and macOS

        /// <summary>Flushes the directory that holds <paramref name="path"/>; false when the OS refused.</summary>
        public static bool SyncParentOf(string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return true;
            }
            string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
            return !string.IsNullOrEmpty(directory) && Sync(directory!);
        }

        /// <summary>Flushes <paramref name="directory"/> itself (its entries); false when the OS refused.</summary>
        public static bool Sync(string directory)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return true;
            }
            int fd = open(directory, ReadOnly);
            if (fd < 0)
            {
                return false;
            }
            try
            {
                return fsync(fd) == 0;
            }
            finally
            {
                close(fd);
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int open(string path, int flags);

        [DllImport("libc", SetLastError = true)]
        private static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        private static extern int close(int fd);
    }
}
