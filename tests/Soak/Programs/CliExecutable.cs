using System;
using System.IO;
using OpenMsiStream.Tests.Common;

namespace OpenMsiStream.Soak.Programs
{
    /// <summary>The openmsistream apphost built with this soak (the project reference builds it first, in the same configuration).</summary>
    internal static class CliExecutable
    {
        public static string Find()
        {
            string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            string path = Path.Combine(RepoRoot.Path, "src", "OpenMsiStream.Cli", "bin", configuration, "net10.0", "openmsistream");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build src/OpenMsiStream.Cli in {configuration} first: '{path}' is missing.");
        }
    }
}
