using System.Linq;
using System.Threading.Tasks;
using OpenMsiStream.Platforms.Tests.Support;
using Xunit;

namespace OpenMsiStream.Platforms.Tests
{
    /// <summary>The module's Pester files in a Windows PowerShell 7.6 (the win-x64 host, under Wine).</summary>
    [Collection(WineCollection.Name)]
    [Trait("Lane", "Wine")]
    public sealed class WindowsPesterTests
    {
        private readonly WineFixture _wine;

        public WindowsPesterTests(WineFixture wine) => _wine = wine;

        [Fact]
        public async Task TheModulesPesterSuiteAndItsWindowsTestsPassInTheWindowsHost()
        {
            // The module's own file (exports, a round trip, -WhatIf, error ids); the rest of tests/Pester needs
            // tmux, s3rver and Unix tools. A file that is not there would run nothing and pass silently.
            string[] files =
            {
                System.IO.Path.Combine(Artifacts.PesterDirectory, "Module.Tests.ps1"),
                System.IO.Path.Combine(Support.Paths.PlatformTests, "Pester", "Windows.Tests.ps1"),
            };
            Assert.All(files, file => Assert.True(System.IO.File.Exists(file), file));
            using ChildProcess pester = await _wine.RunAsync(WineFixture.Long + WineFixture.Long, Artifacts.WindowsPowerShellHost,
                new[] { "--pester-module", _wine.WindowsPath(Artifacts.PesterModule) }
                    .Concat(files.SelectMany(file => new[] { "--pester", _wine.WindowsPath(file) })).ToArray());

            string summary = pester.Stdout.Split('\n').Last(line => line.EndsWith(" skipped"));
            Assert.True(pester.ExitCode == 0, pester.Output);
            Assert.Matches(@"^\d+ passed, 0 failed, 0 skipped$", summary);
            Assert.True(int.Parse(summary.Split(' ')[0]) >= 10, summary);
        }
    }
}
