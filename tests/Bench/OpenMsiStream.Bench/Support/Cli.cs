using System;
using System.IO;

namespace OpenMsiStream.Bench.Support
{
    /// <summary>Where the openmsistream executable built with this benchmark is.</summary>
    internal static class Cli
    {
        public static string RepoRoot()
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "OpenMsiStream.slnx")))
                {
                    return directory.FullName;
                }
            }
            throw new InvalidOperationException("The benchmark must run from inside the repository (OpenMsiStream.slnx not found above it).");
        }

        /// <summary>
        /// The apphost of the same configuration as the benchmark (Release when run as the README says), or
        /// the one OPENMSISTREAM_BENCH_CLI names (a published build, to measure it).
        /// </summary>
        public static string Executable()
        {
            if (Environment.GetEnvironmentVariable("OPENMSISTREAM_BENCH_CLI") is string chosen && chosen.Length > 0)
            {
                return File.Exists(chosen) ? chosen : throw new FileNotFoundException($"OPENMSISTREAM_BENCH_CLI names '{chosen}', which does not exist.");
            }
            string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            string path = Path.Combine(RepoRoot(), "src", "OpenMsiStream.Cli", "bin", configuration, "net10.0", OperatingSystem.IsWindows() ? "openmsistream.exe" : "openmsistream");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build src/OpenMsiStream.Cli in {configuration} first: '{path}' is missing.");
        }
    }
}
