using System;
using System.Diagnostics;
using System.IO;

namespace OpenMsiStream.Bench.Measurements
{
    /// <summary>
    /// What creating one empty file costs in the work directory before the run: the state of the disk
    /// that (b)'s floor and receiver both depend on. On an ext4 without a journal (these VMs) a new
    /// file's inode search skips every inode freed in the last six minutes, so after thousands of
    /// deletions (another run's clean-up) creating a file costs up to 25× more for a while (150–1,070 µs
    /// against 35–45 µs measured on 2026-12-08).
    /// </summary>
    internal static class FileCreationProbe
    {
        private const int Files = 2000;

        /// <summary>Microseconds per file. The files stay until the run ends: deleting them would cause the very slowness measured.</summary>
        public static double Measure(string workDirectory)
        {
            string directory = Path.Combine(workDirectory, "creation-probe");
            Directory.CreateDirectory(directory);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < Files; i++)
            {
                new FileStream(Path.Combine(directory, "p" + i), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1).Dispose();
            }
            return clock.Elapsed.TotalMilliseconds * 1000 / Files;
        }
    }
}
