using System;
using System.Collections.Generic;
using System.Linq;
using System.Xml.Linq;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Services;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.Services
{
    /// <summary>
    /// What registering a service on Windows plans: the account rules and the sc.exe, icacls and schtasks
    /// command lines, worked out here with a Windows layout (the Windows lane runs them under Wine).
    /// </summary>
    public class WindowsServicePlanTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("winplan");

        public void Dispose() => _temp.Dispose();

        private ServiceLayout Windows(ServiceScope scope) => new ServiceLayout(scope, _temp.Path, windows: true);

        private static ServiceDefinition Definition(ServiceScope scope, string? runAs) => new ServiceDefinition
        {
            Name = "xrd-upload",
            Description = "XRD uploader",
            Scope = scope,
            Arguments = new List<string> { "upload-directory", @"D:\xrd data", "--topic", "xrd" },
            WorkingDirectory = @"C:\lab",
            RunAs = runAs,
            Executable = new List<string> { @"C:\Program Files\PowerShell\Modules\OpenMsiStream.Cli.win-x64\0.1.0\openmsistream.exe" },
        };

        [Fact]
        public void WithoutRunAsAWindowsServiceRunsAsItsOwnVirtualAccountNeverAsRootOrTheSudoUser()
        {
            string? sudo = Environment.GetEnvironmentVariable("SUDO_USER");
            try
            {
                Environment.SetEnvironmentVariable("SUDO_USER", "someone");
                Assert.Equal(@"NT SERVICE\openmsistream-xrd-upload", ServiceAccount.Resolve(null, "--run-as", Windows(ServiceScope.System), "xrd-upload"));
            }
            finally
            {
                Environment.SetEnvironmentVariable("SUDO_USER", sudo);
            }
        }

        [Theory]
        [InlineData("LocalService", @"NT AUTHORITY\LocalService")]
        [InlineData("networkservice", @"NT AUTHORITY\NetworkService")]
        [InlineData("LocalSystem", "LocalSystem")]
        [InlineData(@"NT AUTHORITY\SYSTEM", "LocalSystem")]
        [InlineData(@"NT SERVICE\other", @"NT SERVICE\other")]
        [InlineData(@"LAB\xrd-gmsa$", @"LAB\xrd-gmsa$")]
        public void NamedServiceAccountsAreTakenInTheFormScExeWants(string given, string expected) =>
            Assert.Equal(expected, ServiceAccount.Resolve(given, "-RunAs", Windows(ServiceScope.System), "xrd-upload"));

        [Theory]
        [InlineData("lab")]
        [InlineData(@"LAB\alice")]
        [InlineData("root")]
        public void AUserAccountIsRefusedBecauseItNeedsAPasswordAndTheMessageSaysWhatToDoInstead(string given)
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => ServiceAccount.Resolve(given, "-RunAs", Windows(ServiceScope.System), "xrd-upload"));
            Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
            Assert.Contains("password", error.Message);
            Assert.Contains(@"NT SERVICE\openmsistream-xrd-upload", error.Message);
            Assert.Contains("-Scope User", error.Message);
        }

        [Fact]
        public void OnLinuxRootIsStillRefusedUnlessNamed()
        {
            if (Environment.UserName != "root" || Environment.GetEnvironmentVariable("SUDO_USER") != null)
            {
                return; // the rule is about root; the Linux CI runs as root
            }
            var linux = new ServiceLayout(ServiceScope.System, _temp.Path, windows: false);
            Assert.Throws<OpenMsiStreamException>(() => ServiceAccount.Resolve(null, "--run-as", linux, "x"));
            Assert.Equal("root", ServiceAccount.Resolve("root", "--run-as", linux, "x"));
        }

        [Fact]
        public void ASystemServiceIsCreatedWithItsAccountADataDirectoryItMayWriteAndSecretsOnlyItSystemAndAdministratorsRead()
        {
            var manager = new ServiceManager(Windows(ServiceScope.System));
            ServiceDefinition definition = Definition(ServiceScope.System, @"NT SERVICE\openmsistream-xrd-upload");
            ServicePlan plan = manager.PlanRegister(definition, new Dictionary<string, string> { ["KAFKA_PASSWORD"] = "s3cret" });

            string[] create = plan.Commands[0].ToArray();
            Assert.Equal(new[] { "sc.exe", "create", "openmsistream-xrd-upload", "binPath=" }, create.Take(4));
            Assert.Equal("\"C:\\Program Files\\PowerShell\\Modules\\OpenMsiStream.Cli.win-x64\\0.1.0\\openmsistream.exe\" service run xrd-upload", create[4]);
            Assert.Equal(new[] { "obj=", @"NT SERVICE\openmsistream-xrd-upload" }, create.Skip(create.Length - 2));
            string data = manager.Layout.DataDirectory("xrd-upload");
            Assert.Contains(data, plan.Directories);
            Assert.Contains(plan.Commands, c => c.SequenceEqual(new[] { "icacls", data, "/grant", @"NT SERVICE\openmsistream-xrd-upload:(OI)(CI)M" }));
            Assert.Contains(plan.Commands, c => c.SequenceEqual(new[] { "icacls", manager.Layout.SecretsPath("xrd-upload"), "/inheritance:r", "/grant:r",
                @"NT SERVICE\openmsistream-xrd-upload:R", "*S-1-5-18:F", "*S-1-5-32-544:F" }));
            Assert.DoesNotContain("s3cret", plan.ToString());
        }

        [Fact]
        public void AUserServiceIsATaskAtLogonWithoutTheSeventyTwoHourLimitAndItsXmlIsKeptBesideTheDefinition()
        {
            var manager = new ServiceManager(Windows(ServiceScope.User));
            ServicePlan plan = manager.PlanRegister(Definition(ServiceScope.User, null), new Dictionary<string, string>());

            string taskPath = manager.Layout.ScheduledTaskPath("xrd-upload");
            Assert.Equal(new[] { "schtasks", "/Create", "/F", "/TN", @"OpenMsiStream\xrd-upload", "/XML", taskPath }, plan.Commands.Single());
            PlannedFile task = plan.Writes.Single(w => w.Path == taskPath);
            Assert.Equal("utf-16", task.Encoding!.WebName);
            XDocument xml = XDocument.Parse(task.Content);
            XNamespace ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";
            Assert.Equal("PT0S", xml.Descendants(ns + "ExecutionTimeLimit").Single().Value);
            Assert.Equal("false", xml.Descendants(ns + "StopIfGoingOnBatteries").Single().Value);
            Assert.Equal("LeastPrivilege", xml.Descendants(ns + "RunLevel").Single().Value);
            Assert.Single(xml.Descendants(ns + "LogonTrigger"));
            Assert.Equal(@"C:\Program Files\PowerShell\Modules\OpenMsiStream.Cli.win-x64\0.1.0\openmsistream.exe", xml.Descendants(ns + "Command").Single().Value);
            Assert.Equal("service run xrd-upload --user", xml.Descendants(ns + "Arguments").Single().Value);
            Assert.Equal(@"C:\lab", xml.Descendants(ns + "WorkingDirectory").Single().Value);

            manager.Apply(new ServicePlan { Writes = { task } });
            Assert.Equal(new byte[] { 0xFF, 0xFE }, System.IO.File.ReadAllBytes(taskPath).Take(2));
        }
    }
}
