using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using OpenMsiStream.Services;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Services
{
    /// <summary>The systemd units services get: golden text, and systemd's own verifier.</summary>
    public class SystemdUnitTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("units");

        public void Dispose() => _temp.Dispose();

        private static ServiceDefinition Definition(List<string> executable, string workingDirectory, params string[] secrets) => new ServiceDefinition
        {
            Name = "lab-upload",
            Description = "Watch the XRD PC's data folder",
            Scope = ServiceScope.System,
            Arguments = new List<string> { "upload-directory", "/srv/lab data/xrd", "--topic", "xrd", "--config", "lab.config" },
            WorkingDirectory = workingDirectory,
            RunAs = "labuser",
            Executable = executable,
            EnvironmentVariables = new List<string>(secrets),
        };

        [Fact]
        public void ASystemUnitRunsTheHostAsANamedUserWithNotifyAGracefulStopAndSecretsInAnEnvironmentFile()
        {
            string unit = SystemdUnit.Render(Definition(new List<string> { "/opt/openmsistream/openmsistream" }, "/srv/lab data", "KAFKA_PASSWORD"), new ServiceLayout(ServiceScope.System, windows: false));

            Assert.Equal(Golden("lab-upload.service"), unit);
        }

        [Fact]
        public void AUserUnitNeedsNoRootAndHasNoUserLine()
        {
            string home = Environment.GetEnvironmentVariable("HOME")!;
            try
            {
                Environment.SetEnvironmentVariable("HOME", "/home/lab");
                ServiceDefinition definition = Definition(new List<string> { "/opt/openmsistream/openmsistream" }, "/srv/lab data");
                definition.Scope = ServiceScope.User;
                string unit = SystemdUnit.Render(definition, new ServiceLayout(ServiceScope.User, windows: false));

                Assert.Equal(Golden("lab-upload.user.service"), unit);
            }
            finally
            {
                Environment.SetEnvironmentVariable("HOME", home);
            }
        }

        [Theory]
        [InlineData(ServiceScope.System)]
        [InlineData(ServiceScope.User)]
        public void SystemdAnalyzeVerifiesTheUnitWithoutAWarning(ServiceScope scope)
        {
            // verify checks that ExecStart's program exists and is executable: the real CLI apphost.
            string cli = Path.ChangeExtension(RepoPaths.CliAssembly, null);
            Assert.True(File.Exists(cli), $"the CLI apphost at {cli}");
            ServiceDefinition definition = Definition(new List<string> { cli }, _temp.Path, "KAFKA_PASSWORD");
            definition.Scope = scope;
            definition.RunAs = "root"; // verify looks the user up; root is the one every machine has
            string path = _temp.WriteFile("openmsistream-lab-upload.service", System.Text.Encoding.UTF8.GetBytes(SystemdUnit.Render(definition, new ServiceLayout(scope, windows: false))));

            var start = new ProcessStartInfo("systemd-analyze") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("verify");
            if (scope == ServiceScope.User)
            {
                start.ArgumentList.Add("--user");
                // A user manager needs a runtime directory; a container's root session has none.
                start.Environment["XDG_RUNTIME_DIR"] = Directory.CreateDirectory(Path.Combine(_temp.Path, "runtime")).FullName;
            }
            start.ArgumentList.Add(path);
            using Process verify = Process.Start(start)!;
            string output = verify.StandardOutput.ReadToEnd() + verify.StandardError.ReadToEnd();
            verify.WaitForExit();

            Assert.True(verify.ExitCode == 0, output);
            // The environment file does not exist here; everything else must be clean.
            Assert.Equal(string.Empty, output.Trim());
        }

        private static string Golden(string name) => File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "Unit", "OpenMsiStream.Tests", "Services", "golden", name));
    }
}
