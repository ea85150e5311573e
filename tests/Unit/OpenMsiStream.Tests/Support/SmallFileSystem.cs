using System;
using System.Diagnostics;
using System.IO;
using OpenMsiStream.Tests.Common;

namespace OpenMsiStream.Tests.Support
{
    /// <summary>
    /// A real, small file system for disk-full tests: a tmpfs of a few MiB mounted on a temp directory
    /// (Linux, as root, which the build machines are), and a filler file that takes its free space and
    /// gives it back; with a bound on inodes, empty filler files that take the free inodes (then
    /// creating a file or directory fails with ENOSPC while writing to existing files still works).
    /// Unmounted on dispose.
    /// </summary>
    internal sealed class SmallFileSystem : IDisposable
    {
        private readonly TempDirectory _mountPoint = new TempDirectory("small-fs");

        private int _inodeFillers;

        public SmallFileSystem(int megabytes, int? inodes = null)
        {
            string limit = inodes.HasValue ? $",nr_inodes={inodes.Value}" : string.Empty;
            Run("mount", $"-t tmpfs -o size={megabytes}m{limit} openmsistream-test \"{_mountPoint.Path}\"");
        }

        public string Path => _mountPoint.Path;

        private string FillerPath => System.IO.Path.Combine(Path, "filler.bin");

        /// <summary>Writes a filler file until the file system is full, less <paramref name="leaveFree"/> bytes.</summary>
        public void Fill(long leaveFree = 0)
        {
            var buffer = new byte[64 * 1024];
            using (var filler = new FileStream(FillerPath, FileMode.Append, FileAccess.Write))
            {
                try
                {
                    while (true)
                    {
                        filler.Write(buffer, 0, buffer.Length);
                        filler.Flush();
                    }
                }
                catch (IOException)
                {
                    // full
                }
            }
            if (leaveFree > 0)
            {
                using var filler = new FileStream(FillerPath, FileMode.Open, FileAccess.Write);
                filler.SetLength(Math.Max(0, filler.Length - leaveFree));
            }
        }

        /// <summary>Gives the filler's space back.</summary>
        public void Free() => File.Delete(FillerPath);

        /// <summary>Creates empty files until no inode is left (needs a bound on inodes).</summary>
        public void FillInodes()
        {
            try
            {
                while (true)
                {
                    File.Create(InodeFillerPath(_inodeFillers)).Dispose();
                    _inodeFillers++;
                }
            }
            catch (IOException)
            {
                // no inode left
            }
        }

        /// <summary>Gives the inodes taken by <see cref="FillInodes"/> back.</summary>
        public void FreeInodes()
        {
            for (; _inodeFillers > 0; _inodeFillers--)
            {
                File.Delete(InodeFillerPath(_inodeFillers - 1));
            }
        }

        private string InodeFillerPath(int index) => System.IO.Path.Combine(Path, $"inode-filler-{index}");

        public void Dispose()
        {
            try
            {
                Run("umount", $"-l \"{Path}\"");
            }
            finally
            {
                _mountPoint.Dispose();
            }
        }

        private static void Run(string command, string arguments)
        {
            var start = new ProcessStartInfo(command, arguments) { RedirectStandardError = true, UseShellExecute = false };
            using Process process = Process.Start(start)!;
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"'{command} {arguments}' failed ({process.ExitCode}): {error.Trim()}. The disk-full tests mount a tmpfs and need to run as root.");
            }
        }
    }
}
