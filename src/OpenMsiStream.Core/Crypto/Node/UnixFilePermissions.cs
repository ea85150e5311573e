using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// The two POSIX calls the node files need and netstandard2.0 does not offer: making a file
    /// owner-only before secrets go into it (fchmod on the open descriptor, so no other path can be
    /// swapped in between) and syncing a directory so that a rename survives a power cut. On Windows
    /// both are no-ops: files keep the directory's inherited ACL, which the product documents.
    /// </summary>
    internal static class UnixFilePermissions
    {
        private const uint OwnerReadWrite = 0x180; // 0600

        public static bool IsUnix =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX);

        /// <summary>Sets mode 0600 on the file behind <paramref name="stream"/>; throws when that fails on Unix.</summary>
        public static void MakeOwnerOnly(FileStream stream)
        {
            if (!IsUnix)
            {
                return;
            }
            SafeFileHandle handle = stream.SafeFileHandle;
            bool added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                int fd = handle.DangerousGetHandle().ToInt32();
                if (FChmod(fd, OwnerReadWrite) != 0)
                {
                    throw new IOException($"could not restrict '{stream.Name}' to its owner (errno {Marshal.GetLastWin32Error()})");
                }
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        /// <summary>
        /// Best effort fsync of a directory (after a rename in it). Failure is ignored, as KafkaCrypto
        /// does: the rename is still atomic, only its durability may lag.
        /// </summary>
        public static void SyncDirectory(string directory)
        {
            if (!IsUnix)
            {
                return;
            }
            try
            {
                byte[] path = System.Text.Encoding.UTF8.GetBytes(directory + "\0");
                int fd = Open(path, 0 /* O_RDONLY */);
                if (fd >= 0)
                {
                    FSync(fd);
                    Close(fd);
                }
            }
            catch (DllNotFoundException)
            {
            }
            catch (EntryPointNotFoundException)
            {
            }
        }

        [DllImport("libc", EntryPoint = "fchmod", SetLastError = true)]
        private static extern int FChmod(int fd, uint mode);

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        private static extern int Open(byte[] path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        private static extern int FSync(int fd);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        private static extern int Close(int fd);
    }
}
