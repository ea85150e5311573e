using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;

namespace OpenMsiStream.PowerShell.Services
{
    /// <summary>
    /// Finds the openmsistream executable a service runs, without the .NET SDK: the self-contained build
    /// shipped as the PowerShell module package OpenMsiStream.Cli.&lt;rid&gt; (Install-PSResource
    /// OpenMsiStream.Cli.win-x64), installed anywhere on $env:PSModulePath or laid out beside this module
    /// (out/OpenMsiStream.Cli.&lt;rid&gt;/ of a build). The package of this module's version wins over others.
    /// </summary>
    internal static class CliLocator
    {
        /// <summary>The package for this machine, e.g. OpenMsiStream.Cli.win-x64.</summary>
        public static string PackageName => "OpenMsiStream.Cli." + RuntimeIdentifier();

        public static string ExecutableName => RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "openmsistream.exe" : "openmsistream";

        /// <summary>The executable in the best installed package, or null when none is installed.</summary>
        public static string? FromPackage(PSCmdlet cmdlet)
        {
            PSModuleInfo? self = cmdlet.MyInvocation.MyCommand.Module;
            var candidates = new List<(Version Version, string Directory)>();
            foreach (PSObject found in cmdlet.InvokeCommand.InvokeScript("Get-Module -ListAvailable -Name $args[0]", false, System.Management.Automation.Runspaces.PipelineResultTypes.None, null, PackageName))
            {
                if (found.BaseObject is PSModuleInfo module)
                {
                    candidates.Add((module.Version, module.ModuleBase));
                }
            }
            if (self != null)
            {
                // A build's layout: out/OpenMsiStream/ and out/OpenMsiStream.Cli.<rid>/ side by side.
                string sibling = Path.Combine(Path.GetDirectoryName(self.ModuleBase.TrimEnd('/', '\\')) ?? self.ModuleBase, PackageName);
                if (File.Exists(Path.Combine(sibling, PackageName + ".psd1")))
                {
                    candidates.Add((self.Version, sibling));
                }
            }
            return candidates
                .Select(c => (c.Version, Path: Path.Combine(c.Directory, ExecutableName)))
                .Where(c => File.Exists(c.Path))
                .OrderByDescending(c => self != null && c.Version == self.Version)
                .ThenByDescending(c => c.Version)
                .Select(c => c.Path)
                .FirstOrDefault();
        }

        /// <summary>openmsistream on the PATH (a dotnet tool install or a copy put there by hand).</summary>
        public static string? FromPath() =>
            (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
                .Where(directory => directory.Length > 0)
                .Select(directory => Path.Combine(directory, ExecutableName))
                .FirstOrDefault(File.Exists);

        private static string RuntimeIdentifier()
        {
            string os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win"
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : "linux";
            string arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "x64";
            return os + "-" + arch;
        }
    }
}
