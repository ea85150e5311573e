using System;
using System.Diagnostics;
using System.IO;
using OpenMsiStream.Tests.Common;

namespace OpenMsiStream.Tests.Support
{
    /// <summary>
    /// A real, small file system for disk-full tests: a tmpfs of a few MiB mounted on a temp directory
    /// (Linux, as root, which the build machines are), and a filler file that takes its free space and
    /// gives it back. Unmounted on dispose.
    /// </summary>
    internal sealed class SmallFileSystem : IDisposable
    {
        private readonly TempDirectory _mountPoint = new TempDirectory("small-fs");

        public SmallFileSystem(int megabytes)
        {
            Run("mount", $"-t tmpfs -o size={megabytes}m openmsistream-test \"{_mountPoint.Path}\"");
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
