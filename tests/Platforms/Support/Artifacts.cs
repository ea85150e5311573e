using System;
using System.IO;
using System.Linq;
using System.Reflection;
using OpenMsiStream.Tests.Common;

namespace OpenMsiStream.Platforms.Tests.Support
{
    /// <summary>What the platform tests run, as built before them (see the test project): nothing here is built by the tests.</summary>
    internal static class Artifacts
    {
        public static string Module => Require(Path.Combine(RepoRoot.Path, "out", "OpenMsiStream"));

        /// <summary>The self-contained openmsistream of the package OpenMsiStream.Cli.win-x64.</summary>
        public static string WindowsCli => Require(Path.Combine(RepoRoot.Path, "out", "OpenMsiStream.Cli.win-x64", "openmsistream.exe"));

        /// <summary>The self-contained openmsistream of the package OpenMsiStream.Cli.linux-x64.</summary>
        public static string LinuxCli => Require(Path.Combine(RepoRoot.Path, "out", "OpenMsiStream.Cli.linux-x64", "openmsistream"));

        public static string LinuxCliPackageDirectory => Path.GetDirectoryName(LinuxCli)!;

        public static string WindowsPowerShellHost => Require(Path.Combine(RepoRoot.Path, "out", "test-hosts", "pwsh-win-x64", "pwsh-host.exe"));

        public static string LinuxPowerShellHost => Require(Path.Combine(RepoRoot.Path, "out", "test-hosts", "pwsh-linux-x64", "pwsh-host"));

        public static string MonoHost => Require(Path.Combine(RepoRoot.Path, "tests", "Hosts", "MonoHost", "bin", "Release", "net472", "OpenMsiStream.MonoHost.exe"));

        public static string PesterDirectory => Path.Combine(RepoRoot.Path, "tests", "Pester");

        /// <summary>Pester 5.7.1's module, from the NuGet cache (the PowerShell host project downloads it).</summary>
        public static string PesterModule
        {
            get
            {
                string root = typeof(Artifacts).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NuGetPackageRoot").Value!;
                return Require(Path.Combine(root, "pester", "5.7.1", "tools", "Pester.psd1"));
            }
        }

        private static string Require(string path) =>
            File.Exists(path) || Directory.Exists(path) ? path : throw new InvalidOperationException($"'{path}' is missing: build tests/Platforms (it builds tools/CliPackages and tests/Hosts first).");
    }
}

namespace OpenMsiStream.Platforms.Tests.Support
{
    internal static class Paths
    {
        /// <summary>tests/Platforms in the checkout.</summary>
        public static string PlatformTests => System.IO.Path.Combine(OpenMsiStream.Tests.Common.RepoRoot.Path, "tests", "Platforms");
    }
}
