using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using OpenMsiStream.Platforms.Tests.Support;
using Xunit;

namespace OpenMsiStream.Platforms.Tests
{
    /// <summary>
    /// `openmsistream service` against Wine's service control manager (sc.exe, services.exe) and task
    /// scheduler (schtasks): what a Windows lab PC does with the self-contained win-x64 build. Wine has no
    /// accounts, ACLs or logons: its icacls only says it did nothing, services run as the Unix user, and
    /// its schtasks registers tasks from XML but cannot run, end or query them.
    /// </summary>
    [Collection(WineCollection.Name)]
    [Trait("Lane", "Wine")]
    public sealed class WindowsServiceTests
    {
        private readonly WineFixture _wine;

        public WindowsServiceTests(WineFixture wine) => _wine = wine;

        private string ProgramData => Path.Combine(_wine.DriveC, "ProgramData", "OpenMsiStream");

        [Fact]
        public async Task AServiceIsInstalledStartedStoppedAndRemovedThroughTheServiceControlManagerAndRunsTheShippedExecutable()
        {
            string name = "lab-receive-" + Guid.NewGuid().ToString("N").Substring(0, 6);
            string unit = "openmsistream-" + name;
            string topic = "svc-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            _wine.Broker.CreateTopic(topic, 4);
            string work = _wine.NewFolder("svc");
            string output = Path.Combine(work, "received");
            // The consumer's client.id comes from a variable: the service must get it from its secrets file,
            // since services.exe does not have this session's environment.
            string config = Path.Combine(work, "lab.config");
            File.WriteAllText(config, File.ReadAllText(_wine.BrokerConfig) + "client.id = ${LAB_CLIENT_ID}\n");
            var secrets = new Dictionary<string, string?> { ["LAB_CLIENT_ID"] = "xrd-pc-7" };
            string[] command = { "--", "download-directory", _wine.WindowsPath(output), "--topic", topic, "--config", _wine.WindowsPath(config) };

            using (ChildProcess asUser = await RunCliAsync(secrets, new[] { "service", "install", name, "--run-as", "lab" }.Concat(command).ToArray()))
            {
                Assert.NotEqual(0, asUser.ExitCode);
                Assert.Contains("password", asUser.Stderr);
                Assert.False(File.Exists(Path.Combine(ProgramData, "services", name + ".json")));
            }

            using (ChildProcess install = await RunCliAsync(secrets, new[] { "service", "install", name }.Concat(command).ToArray()))
            {
                Assert.True(install.ExitCode == 0, install.Output);
            }
            using (JsonDocument definition = JsonDocument.Parse(File.ReadAllText(Path.Combine(ProgramData, "services", name + ".json"))))
            {
                Assert.Equal(@"NT SERVICE\" + unit, definition.RootElement.GetProperty("runAs").GetString());
                Assert.Equal(_wine.WindowsPath(Artifacts.WindowsCli), definition.RootElement.GetProperty("executable")[0].GetString());
            }
            Assert.Contains("LAB_CLIENT_ID=\"xrd-pc-7\"", File.ReadAllText(Path.Combine(ProgramData, "services", name + ".env")));
            Assert.True(Directory.Exists(Path.Combine(ProgramData, "data", name)));
            // What the service control manager holds (Wine's sc.exe has no "qc": its registry has the same).
            using (ChildProcess registered = await _wine.RunAsync(WineFixture.Long, "reg", "query", @"HKLM\SYSTEM\CurrentControlSet\Services\" + unit))
            {
                string imagePath = registered.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("ImagePath", StringComparison.Ordinal));
                Assert.Contains(_wine.WindowsPath(Artifacts.WindowsCli), imagePath);
                Assert.Contains("service run " + name, imagePath);
                Assert.Contains(@"NT SERVICE\" + unit, registered.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("ObjectName", StringComparison.Ordinal)));
                Assert.Contains("0x2", registered.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("Start ", StringComparison.Ordinal))); // automatic
            }

            try
            {
                using (ChildProcess start = await _wine.RunCliAsync(WineFixture.Long, "service", "start", name))
                {
                    Assert.True(start.ExitCode == 0, start.Output);
                }
                string source = _wine.NewFolder("svc-src");
                LinuxSide.Write(Path.Combine(source, "scan 42.csv"), LinuxSide.Bytes(30_000, 42));
                LinuxSide.Send(_wine.Broker, topic, source, new[] { "scan 42.csv" });
                DateTime deadline = DateTime.UtcNow + WineFixture.Long;
                while (!File.Exists(Path.Combine(output, "scan 42.csv")) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(250);
                }
                Assert.Equal(LinuxSide.Bytes(30_000, 42), File.ReadAllBytes(Path.Combine(output, "scan 42.csv")));
                using (ChildProcess status = await _wine.RunCliAsync(WineFixture.Long, "service", "status", name))
                {
                    Assert.Contains("Running", status.Stdout);
                }

                using (ChildProcess stop = await _wine.RunCliAsync(WineFixture.Long, "service", "stop", name))
                {
                    Assert.True(stop.ExitCode == 0, stop.Output);
                }
                string statusFile = Path.Combine(ProgramData, "data", name, "status", name + ".json");
                deadline = DateTime.UtcNow + WineFixture.Long;
                while (!(File.Exists(statusFile) && File.ReadAllText(statusFile).Contains("\"Stopped\"")) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(250);
                }
                Assert.Contains("\"Stopped\"", File.ReadAllText(statusFile)); // a graceful stop, written by the service itself
            }
            finally
            {
                using ChildProcess uninstall = await _wine.RunCliAsync(WineFixture.Long, "service", "uninstall", name);
                Assert.True(uninstall.ExitCode == 0, uninstall.Output);
            }
            Assert.False(File.Exists(Path.Combine(ProgramData, "services", name + ".json")));
            Assert.False(File.Exists(Path.Combine(ProgramData, "services", name + ".env")));
            Assert.True(Directory.Exists(Path.Combine(ProgramData, "data", name))); // its history stays
            using ChildProcess query = await _wine.RunAsync(WineFixture.Long, "sc.exe", "query", unit);
            Assert.DoesNotContain("SERVICE_NAME", query.Stdout);
        }

        [Fact]
        public async Task APerUserServiceIsRegisteredAsAScheduledTaskFromXmlAndRemovedAgain()
        {
            string name = "lab-user-" + Guid.NewGuid().ToString("N").Substring(0, 6);
            string output = _wine.NewFolder("user-out");
            string localAppData = Path.Combine(_wine.DriveC, "users", Environment.UserName, "AppData", "Local", "OpenMsiStream", "services");

            using (ChildProcess install = await _wine.RunCliAsync(WineFixture.Long, "service", "install", name, "--user", "--",
                "download-directory", _wine.WindowsPath(output), "--topic", "user-topic", "--config", _wine.WindowsPath(_wine.BrokerConfig)))
            {
                Assert.True(install.ExitCode == 0, install.Output);
            }
            string xml = File.ReadAllText(Path.Combine(localAppData, name + ".task.xml"), Encoding.Unicode);
            Assert.Contains("<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>", xml);
            Assert.Contains(_wine.WindowsPath(Artifacts.WindowsCli), xml);
            Assert.Contains(Directory.GetFiles(Path.Combine(_wine.DriveC, "windows", "system32", "tasks"), "*", SearchOption.AllDirectories), f => f.EndsWith(name, StringComparison.OrdinalIgnoreCase));

            using (ChildProcess uninstall = await _wine.RunCliAsync(WineFixture.Long, "service", "uninstall", name, "--user"))
            {
                Assert.True(uninstall.ExitCode == 0, uninstall.Output);
            }
            Assert.False(File.Exists(Path.Combine(localAppData, name + ".json")));
            Assert.False(File.Exists(Path.Combine(localAppData, name + ".task.xml")));
            Assert.DoesNotContain(Directory.GetFiles(Path.Combine(_wine.DriveC, "windows", "system32", "tasks"), "*", SearchOption.AllDirectories), f => f.EndsWith(name, StringComparison.OrdinalIgnoreCase));
        }

        private async Task<ChildProcess> RunCliAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
        {
            ChildProcess child = _wine.StartWith(environment, Artifacts.WindowsCli, arguments);
            await child.WaitAsync(WineFixture.Long);
            return child;
        }
    }
}
