using System;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OpenMsiStream.PowerShell.Tests.Support;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.PowerShell.Tests
{
    /// <summary>The service cmdlets in a temporary root standing in for / (the machine's /etc is never touched).</summary>
    [Collection(ModuleCollection.Name)]
    public class ServiceTests : IDisposable
    {
        private readonly ModuleFixture _module;
        private readonly TempDirectory _temp = new TempDirectory("psservice");
        private readonly string? _previousRoot = Environment.GetEnvironmentVariable("OPENMSISTREAM_SERVICE_ROOT");

        public ServiceTests(ModuleFixture module)
        {
            _module = module;
            Root = Directory.CreateDirectory(_temp.Combine("root")).FullName;
            Environment.SetEnvironmentVariable("OPENMSISTREAM_SERVICE_ROOT", Root);
            Environment.SetEnvironmentVariable("LAB_TOKEN", "s3cret value");
            Config = _temp.Combine("lab.config");
            File.WriteAllText(Config, "[broker]\nbootstrap.servers = localhost:9092\nsasl.password = ${LAB_TOKEN}\n");
        }

        private string Root { get; }

        private string Config { get; }

        public void Dispose()
        {
            Environment.SetEnvironmentVariable("OPENMSISTREAM_SERVICE_ROOT", _previousRoot);
            Environment.SetEnvironmentVariable("LAB_TOKEN", null);
            _temp.Dispose();
        }

        [Fact]
        public void WhatIfWritesNothingAndUnregisterRemovesEverythingRegisterCreated()
        {
            string cli = typeof(ServiceTests).Assembly.Location; // any existing file stands in for the openmsistream executable
            string register = $"Register-MsiService lab-upload -ArgumentList 'upload-directory', '{_temp.Path}', '--topic', 'lab', '--config', '{Config}' -RunAs labuser -CliPath '{cli}'";

            using var whatIf = _module.Create();
            whatIf.AddScript(register + " -WhatIf");
            Assert.Empty(whatIf.Invoke());
            Assert.Empty(whatIf.Streams.Error);
            Assert.Empty(Entries());

            PSObject registered = Assert.Single(_module.Invoke(register));
            Assert.Equal("OpenMsiStream.Services.ServiceInfo", registered.BaseObject.GetType().FullName);
            Assert.Equal("lab-upload", registered.Properties["Name"].Value);
            Assert.Equal("Unknown", registered.Properties["State"].Value); // a staged root has no service manager to ask
            Assert.Equal(new[]
            {
                "etc/openmsistream/services/lab-upload.env",
                "etc/openmsistream/services/lab-upload.json",
                "etc/systemd/system/multi-user.target.wants/openmsistream-lab-upload.service",
                "etc/systemd/system/openmsistream-lab-upload.service",
            }, Entries());
            Assert.Equal("LAB_TOKEN=\"s3cret value\"\n", File.ReadAllText(Path.Combine(Root, "etc/openmsistream/services/lab-upload.env")));
            string unit = File.ReadAllText(Path.Combine(Root, "etc/systemd/system/openmsistream-lab-upload.service"));
            Assert.Contains($"ExecStart={cli} service run lab-upload\n", unit);
            Assert.Contains("User=labuser\n", unit);
            Assert.DoesNotContain("s3cret", unit);

            Collection<PSObject> listed = _module.Invoke("Get-MsiService");
            Assert.Equal("lab-upload", Assert.Single(listed).Properties["Name"].Value);

            Assert.Empty(_module.Invoke("Get-MsiService | Unregister-MsiService -Confirm:$false"));
            Assert.Empty(Entries());
        }

        [Fact]
        public void AServiceThatIsNotThereIsANonTerminatingErrorWithItsId()
        {
            using var ps = _module.Create();
            ps.AddScript("Get-MsiService no-such-service");
            Assert.Empty(ps.Invoke());
            ErrorRecord error = Assert.Single(ps.Streams.Error);
            Assert.Equal("ServiceNotFound,OpenMsiStream.PowerShell.Commands.Services.GetMsiServiceCommand", error.FullyQualifiedErrorId);
            Assert.Equal($"There is no service 'no-such-service' (no definition at '{Root}/etc/openmsistream/services/no-such-service.json').", error.Exception.Message);
        }

        private string[] Entries() =>
            Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories)
                .Where(path => !Directory.Exists(path) || new FileInfo(path).LinkTarget != null)
                .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
                .OrderBy(path => path, StringComparer.Ordinal)
                .ToArray();
    }
}
