using System.Runtime.InteropServices;

namespace OpenMsiStream.FileSystem
{
    /// <summary>
    /// rename(2) on Linux and macOS: it replaces an existing file atomically, which is what
    /// <see cref="AtomicFile.Rename"/> otherwise does in steps (File.Exists, then File.Move or File.Replace,
    /// five stat calls in all, two of them on a name that does not exist yet). On a directory of
    /// thousands of files those lookups cost more than the rename itself, once per file received.
    /// </summary>
    internal static class PosixRename
    {
        private static readonly bool Available = !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>
        /// True when <paramref name="source"/> now has the name <paramref name="target"/>; false on Windows
        /// or when the OS refused (the caller then tries the .NET way, which reports why).
        /// </summary>
        public static bool TryReplace(string source, string target) => Available && rename(source, target) == 0;

        [DllImport("libc", SetLastError = true)]
        private static extern int rename(string oldPath, string newPath);
    }
}
