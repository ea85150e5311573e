using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NuGet.Packaging;
using OpenMsiStream.PowerShell.Tests.Support;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.PowerShell.Tests
{
    /// <summary>
    /// The packages the build makes (out/packages): the module package installs from a clean folder
    /// repository and imports, and the CLI installs as a dotnet tool and runs.
    /// </summary>
    [Collection(ModuleCollection.Name)]
    public sealed class PackageTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("packages");

        private static string PackagesDirectory => Path.Combine(ModuleFixture.RepoRoot, "out", "packages");

        private static string Version => ModuleVersion();

        /// <summary>True once the file exists and has not changed for a second (a pack still writing it has).</summary>
        private static async Task<bool> WhenWrittenAsync(string path, TimeSpan timeout)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            (long, DateTime)? last = null;
            while (DateTime.UtcNow < deadline)
            {
                var file = new FileInfo(path);
                (long, DateTime)? now = file.Exists ? (file.Length, file.LastWriteTimeUtc) : null;
                if (now != null && now == last)
                {
                    return true;
                }
                last = now;
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
            return false;
        }

        public void Dispose() => _temp.Dispose();

        /// <summary>
        /// What Install-Module / Install-PSResource do with a folder repository: find the package by id and
        /// version, read its manifest, and unpack its files (not the NuGet bookkeeping) into
        /// &lt;modules&gt;/OpenMsiStream/&lt;version&gt;/. The unpacked module is then imported by a separate
        /// PowerShell engine process. (PowerShellGet itself is not available on the build machines.)
        /// </summary>
        [Fact]
        public async Task TheModulePackageInstallsFromAFolderRepositoryAndImports()
        {
            string repository = Directory.CreateDirectory(_temp.Combine("repository")).FullName;
            string package = Path.Combine(PackagesDirectory, $"OpenMsiStream.{Version}.nupkg");
            Assert.True(File.Exists(package), $"the build did not make '{package}'");
            File.Copy(package, Path.Combine(repository, Path.GetFileName(package)));

            string found = Assert.Single(Directory.GetFiles(repository, "*.nupkg"));
            string installed = Path.Combine(_temp.Combine("Modules"), "OpenMsiStream", Version);
            using (var reader = new PackageArchiveReader(found))
            {
                NuspecReader nuspec = reader.NuspecReader;
                Assert.Equal("OpenMsiStream", nuspec.GetId());
                Assert.Equal(Version, nuspec.GetVersion().ToNormalizedString());
                string[] tags = nuspec.GetTags().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                Assert.Contains("PSModule", tags);
                Assert.Contains("PSCmdlet_Send-MsiDataFile", tags);
                Assert.Contains("PSEdition_Core", tags);
                Assert.False(string.IsNullOrEmpty(nuspec.GetProjectUrl()));
                Assert.False(string.IsNullOrEmpty(nuspec.GetLicenseUrl()));
                Assert.False(string.IsNullOrEmpty(nuspec.GetReleaseNotes()));
                foreach (string file in reader.GetFiles().Where(f => !IsNuGetBookkeeping(f)))
                {
                    string target = Path.Combine(installed, file.Replace('/', Path.DirectorySeparatorChar));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    using Stream source = reader.GetStream(file);
                    using FileStream destination = File.Create(target);
                    await source.CopyToAsync(destination);
                }
            }

            // Everything users get, help included; nothing else.
            string layout = Path.Combine(ModuleFixture.RepoRoot, "out", "OpenMsiStream");
            Assert.Equal(RelativeFiles(layout), RelativeFiles(installed));
            Assert.True(File.Exists(Path.Combine(installed, "en-US", "OpenMsiStream.PowerShell.dll-Help.xml")));
            Assert.True(File.Exists(Path.Combine(installed, "dependencies", "linux-x64", "libsodium.so")));
            Assert.True(File.Exists(Path.Combine(installed, "CHANGELOG.md")), "the release notes point to CHANGELOG.md, so it is installed with the module");

            // A separate engine imports the installed copy and describes its cmdlets (the help generator does exactly that).
            string maml = _temp.Combine("check.xml");
            (int exit, string output) = await RunAsync("dotnet", HelpGeneratorDll, Path.Combine(installed, "OpenMsiStream.psd1"), maml,
                Path.Combine(ModuleFixture.RepoRoot, "src", "OpenMsiStream.PowerShell", "bin", Configuration, "netstandard2.0", "OpenMsiStream.PowerShell.xml"),
                Path.Combine(ModuleFixture.RepoRoot, "src", "OpenMsiStream.PowerShell", "bin", Configuration, "netstandard2.0", "OpenMsiStream.Core.xml"));
            Assert.True(exit == 0, output);
            Assert.Contains($"help for {ModuleShapeTests.ExpectedCmdlets.Length} cmdlets", output, StringComparison.Ordinal);
        }

        [Fact]
        public async Task TheCliInstallsAsADotnetToolFromAFolderRepositoryAndRuns()
        {
            string repository = Directory.CreateDirectory(_temp.Combine("repository")).FullName;
            string built = Path.Combine(PackagesDirectory, $"OpenMsiStream.Cli.{Version}.nupkg");
            // `dotnet test` of the solution starts this project's tests while other projects still build. The
            // CLI's package (GeneratePackageOnBuild) is written by the solution's own build of the CLI, which
            // MSBuild may schedule only when one of its nodes is free: in a clean-clone CI run both nodes ran
            // test projects, and the package was written only after the 7-minute unit test run had ended.
            Assert.True(await WhenWrittenAsync(built, TimeSpan.FromMinutes(15)), $"the build did not make '{built}'");
            string package = Path.Combine(repository, Path.GetFileName(built));
            File.Copy(built, package);
            using (var reader = new PackageArchiveReader(package))
            {
                Assert.Contains("CHANGELOG.md", reader.GetFiles());
            }
            string tools = _temp.Combine("tools");

            (int exit, string output) = await RunAsync("dotnet", "tool", "install", "OpenMsiStream.Cli", "--version", Version, "--tool-path", tools, "--add-source", repository);
            Assert.True(exit == 0, output);
            string command = Path.Combine(tools, OperatingSystem.IsWindows() ? "openmsistream.exe" : "openmsistream");
            (exit, output) = await RunAsync(command, "--version");
            Assert.Equal(0, exit);
            Assert.StartsWith(Version, output.Trim(), StringComparison.Ordinal);
            (exit, output) = await RunAsync(command, "test-connection", "--bootstrap-servers", "127.0.0.1:1", "--timeout", "2");
            Assert.NotEqual(0, exit);
            Assert.Contains("BrokerUnreachable", output, StringComparison.Ordinal); // Core, librdkafka and its natives load from the tool
        }

        private static bool IsNuGetBookkeeping(string file) =>
            file.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase) || file == "[Content_Types].xml"
            || file.StartsWith("_rels/", StringComparison.Ordinal) || file.StartsWith("package/", StringComparison.Ordinal);

        private static string[] RelativeFiles(string root) =>
            Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).OrderBy(f => f, StringComparer.Ordinal).ToArray();

        private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

        private static string HelpGeneratorDll => Path.Combine(ModuleFixture.RepoRoot, "tools", "HelpGenerator", "bin", Configuration, "net10.0", "HelpGenerator.dll");

        private static string ModuleVersion()
        {
            string text = File.ReadAllText(Path.Combine(ModuleFixture.RepoRoot, "OpenMsiStream.psd1"));
            return System.Text.RegularExpressions.Regex.Match(text, @"ModuleVersion\s*=\s*'([0-9.]+)'").Groups[1].Value;
        }

        private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}
