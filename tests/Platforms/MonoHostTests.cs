using System.IO;
using System.Linq;
using System.Threading.Tasks;
using OpenMsiStream.Platforms.Tests.Support;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Platforms.Tests
{
    /// <summary>
    /// The module's .NET Framework path on Mono 6.8 (a stand-in for the .NET Framework of Windows
    /// PowerShell 5.1, not .NET Framework): tests/Hosts/MonoHost loads the laid-out module as Windows
    /// PowerShell 5.1 does and runs its checks (see its Program.cs); each check is one line of its output.
    /// </summary>
    [Trait("Lane", "Mono")]
    public sealed class MonoHostTests
    {
        [Fact]
        public async Task TheModuleLoadsOnMonoFromItsDependenciesFolderAndSendsReceivesRecordsAndEncrypts()
        {
            using var work = new TempDirectory("mono");
            using ChildProcess mono = ChildProcess.Start("mono", new[] { Artifacts.MonoHost, Artifacts.Module, work.Combine("run") });
            await mono.WaitAsync(System.TimeSpan.FromMinutes(5));

            Assert.True(mono.ExitCode == 0, mono.Output);
            Assert.StartsWith("runtime: Mono ", mono.Stdout);
            string[] results = mono.Stdout.Split('\n').Where(l => l.StartsWith("ok - ") || l.StartsWith("not ok - ")).ToArray();
            Assert.Equal(6, results.Length);
            Assert.All(results, r => Assert.StartsWith("ok - ", r));
            Assert.Contains("6 passed, 0 failed", mono.Stdout);
            // On Linux the module's linux natives are the ones Mono loaded.
            Assert.Contains(Path.Combine(Artifacts.Module, "dependencies", "linux-x64", "centos8-librdkafka.so"), mono.Stdout);
            Assert.Contains(Path.Combine(Artifacts.Module, "dependencies", "linux-x64", "libsodium.so"), mono.Stdout);
            Assert.Contains(Path.Combine(Artifacts.Module, "dependencies", "linux-x64", "libe_sqlite3.so"), mono.Stdout);
        }
    }
}
