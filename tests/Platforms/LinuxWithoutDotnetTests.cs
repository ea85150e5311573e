using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using OpenMsiStream.LocalBroker;
using OpenMsiStream.Platforms.Tests.Support;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Platforms.Tests
{
    /// <summary>
    /// A Linux machine with PowerShell and the installed module but no .NET: no dotnet on the PATH, no
    /// DOTNET_ROOT. Register-MsiService names the self-contained openmsistream of the package
    /// OpenMsiStream.Cli.linux-x64, and that executable runs the service in the foreground.
    /// </summary>
    [Trait("Lane", "Linux")]
    public sealed class LinuxWithoutDotnetTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("nodotnet");

        public void Dispose() => _temp.Dispose();

        [Fact]
        public async Task RegisterMsiServiceNamesTheShippedExecutableAndItRunsTheServiceWithoutDotnet()
        {
            // "Installed" as Install-PSResource lays modules out: <path>/<name>/<version>/.
            string modules = _temp.Combine("modules");
            string version = Directory.GetFiles(Artifacts.Module, "OpenMsiStream.psd1").Select(File.ReadAllText)
                .Select(text => System.Text.RegularExpressions.Regex.Match(text, "ModuleVersion\\s*=\\s*'([0-9.]+)'").Groups[1].Value).Single();
            Link(Path.Combine(modules, "OpenMsiStream", version), Artifacts.Module);
            Link(Path.Combine(modules, "OpenMsiStream.Cli.linux-x64", version), Artifacts.LinuxCliPackageDirectory);
            string emptyPath = _temp.Combine("bin");
            Directory.CreateDirectory(emptyPath);
            var environment = new Dictionary<string, string?>
            {
                ["PATH"] = emptyPath,
                ["HOME"] = _temp.Combine("home"),
                ["PSModulePath"] = modules,
                ["OPENMSISTREAM_SERVICE_ROOT"] = _temp.Combine("root"), // files only: no systemd here
                ["LANG"] = "C.UTF-8",
            };
            Directory.CreateDirectory(_temp.Combine("home"));
            using LocalBrokerHandle broker = new LocalBrokerHandle();
            string topic = "nodotnet";
            broker.Broker.CreateTopic(topic, 4);
            string output = _temp.Combine("received");

            using (ChildProcess register = ChildProcess.Start(Artifacts.LinuxPowerShellHost,
                new[] { "--script", Path.Combine(Paths.PlatformTests, "Pester", "RegisterWithoutDotnet.ps1"), "--", output, topic, broker.Broker.BootstrapServers },
                environment, clearEnvironment: true))
            {
                await register.WaitAsync(TimeSpan.FromMinutes(3));
                Assert.True(register.ExitCode == 0, register.Output);
                string shipped = Path.Combine(modules, "OpenMsiStream.Cli.linux-x64", version, "openmsistream");
                Assert.Contains("What if: Register service 'nodotnet'", register.Stdout);
                Assert.Contains("ExecStart=" + shipped + " service run nodotnet --user", register.Stdout); // what -WhatIf shows
                Assert.Contains("executable: " + shipped, register.Stdout);
            }

            string definitionPath = Directory.GetFiles(_temp.Combine("root"), "nodotnet.json", SearchOption.AllDirectories).Single();
            string executable;
            using (JsonDocument definition = JsonDocument.Parse(File.ReadAllText(definitionPath)))
            {
                executable = definition.RootElement.GetProperty("executable")[0].GetString()!;
            }
            using ChildProcess service = ChildProcess.Start(executable, new[] { "service", "run", "nodotnet", "--user" }, environment, clearEnvironment: true);
            // What the running service has loaded: its runtime, from the package (the symbolic link resolved).
            string runtime = Path.Combine(Artifacts.LinuxCliPackageDirectory, "libcoreclr.so");
            string[] mapped = Array.Empty<string>();
            await service.WaitUntilAsync(() => (mapped = File.ReadAllLines($"/proc/{service.Id}/maps")).Any(line => line.EndsWith(runtime, StringComparison.Ordinal)),
                TimeSpan.FromMinutes(1), "the runtime to be loaded");
            string source = _temp.Combine("source");
            LinuxSide.Write(Path.Combine(source, "spectrum 7.csv"), LinuxSide.Bytes(20_000, 7));
            LinuxSide.Send(broker.Broker, topic, source, new[] { "spectrum 7.csv" });
            await service.WaitAsync(TimeSpan.FromMinutes(3));

            Assert.True(service.ExitCode == 0, service.Output);
            Assert.Equal(LinuxSide.Bytes(20_000, 7), File.ReadAllBytes(Path.Combine(output, "spectrum 7.csv")));
            string dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
            Assert.DoesNotContain(mapped, line => line.Contains(dotnetRoot + "/", StringComparison.Ordinal));
        }

        private static void Link(string link, string target)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            Directory.CreateSymbolicLink(link, target);
        }

        private sealed class LocalBrokerHandle : IDisposable
        {
            public LocalKafkaBroker Broker { get; } = LocalKafkaBroker.Start();

            public void Dispose() => Broker.Dispose();
        }
    }
}
