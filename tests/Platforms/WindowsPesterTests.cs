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
            using ChildProcess pester = await _wine.RunAsync(WineFixture.Long + WineFixture.Long, Artifacts.WindowsPowerShellHost,
                "--pester-module", _wine.WindowsPath(Artifacts.PesterModule),
                "--pester", _wine.WindowsPath(System.IO.Path.Combine(Artifacts.PesterDirectory, "OpenMsiStream.Tests.ps1")),
                "--pester", _wine.WindowsPath(System.IO.Path.Combine(Support.Paths.PlatformTests, "Pester", "Windows.Tests.ps1")));

            string summary = pester.Stdout.Split('\n').Last(line => line.EndsWith(" skipped"));
            Assert.True(pester.ExitCode == 0, pester.Output);
            Assert.Matches(@"^\d+ passed, 0 failed, 0 skipped$", summary);
            Assert.True(int.Parse(summary.Split(' ')[0]) >= 10, summary);
        }
    }
}
