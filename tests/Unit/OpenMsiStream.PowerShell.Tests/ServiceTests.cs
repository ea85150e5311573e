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
        public void PipedServicesBringTheirScope()
        {
            string cli = typeof(ServiceTests).Assembly.Location;
            _module.Invoke($"Register-MsiService lab-user -Scope User -ArgumentList 'upload-directory', '{_temp.Path}', '--topic', 'lab', '--config', '{Config}' -CliPath '{cli}'");
            Assert.Contains(Entries(), e => e.EndsWith("openmsistream-lab-user.service", StringComparison.Ordinal));

            // No -Scope on Unregister-MsiService: the piped ServiceInfo says User.
            Assert.Empty(_module.Invoke("Get-MsiService -Scope User | Unregister-MsiService -Confirm:$false"));
            Assert.Empty(_module.Invoke("Get-MsiService -Scope User"));
            Assert.DoesNotContain(Entries(), e => e.Contains("lab-user", StringComparison.Ordinal));
        }

        [Fact]
        public async System.Threading.Tasks.Task AScriptBlockHoldingACmdletBecomesTheSameCommandLineAndThatCommandLineRuns()
        {
            _module.EnsureBrokerRunning();
            string topic = TestBytes.NewTopic();
            string heartbeats = TestBytes.NewTopic();
            string output = _temp.Combine("in box");
            byte[] content = TestBytes.Random(70_000, 5);
            _temp.WriteFile("scan;1.dat", content);
            string servers = (string)_module.Broker.Properties["BootstrapServers"].Value;
            using var ps = _module.Create();
            ps.AddScript($@"
                Send-MsiDataFile -Path '{_temp.Combine("scan;1.dat")}' -Topic {topic} -ChunkSize 16384 | Out-Null
                $topic = '{topic}'; $out = '{output}'
                Register-MsiService sb-download {{ Receive-MsiDataFile -Topic $topic -OutputDirectory $out -Count 1 -IdleTimeout 00:00:30 -BootstrapServers {servers} -ProgramId sb-download -HeartbeatTopic {heartbeats} -HeartbeatInterval 0.5 -Verbose }} -RunAs labuser -CliPath '{ModuleFixture.CliApphost}'");
            PSObject registered = Assert.Single(ps.Invoke());
            Assert.Empty(ps.Streams.Error);
            Assert.Equal("sb-download", registered.Properties["Name"].Value);

            string[] arguments = StoredArguments("sb-download");
            Assert.Equal(new[]
            {
                "download-directory", output, "--topic", topic, "--count", "1", "--idle-timeout", "30", "--bootstrap-servers", servers,
                "--program-id", "sb-download", "--heartbeat-topic", heartbeats, "--heartbeat-interval", "0.5", "--verbose",
            }, arguments);

            // What the service would run, run here: the command line parses and does the job.
            var start = new System.Diagnostics.ProcessStartInfo(ModuleFixture.CliApphost) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            start.Environment["OPENMSISTREAM_HOME"] = _temp.Combine("home");
            using var cli = System.Diagnostics.Process.Start(start)!;
            using var timeout = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(60));
            System.Threading.Tasks.Task<string> stdout = cli.StandardOutput.ReadToEndAsync(timeout.Token);
            string stderr = await cli.StandardError.ReadToEndAsync(timeout.Token);
            await cli.WaitForExitAsync(timeout.Token);
            await stdout;
            Assert.True(cli.ExitCode == 0, stderr);
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(output, "scan;1.dat")));
            PSObject beat = Assert.Single(_module.Invoke($"Receive-MsiHeartbeat {heartbeats} -Latest"));
            Assert.Equal("sb-download", beat.Properties["ProgramId"].Value);
        }

        [Theory]
        [InlineData("{ Invoke-MsiStreamProcessor lab { $_.Length } }", "-ScriptBlock of Invoke-MsiStreamProcessor cannot run as a service: the service host runs programs, not PowerShell: use -Command with -ArgumentList, or a script file run by pwsh or powershell.exe.")]
        [InlineData("{ Start-MsiUploadDirectory -Path (Get-Location) -Topic lab }", "-Path is given as '(Get-Location)': in a service command use constants or variables, whose current values are recorded.")]
        [InlineData("{ Send-MsiDataFile a.dat -Topic lab }", "'Send-MsiDataFile' is not a long-running OpenMsiStream cmdlet; a service runs one of: Start-MsiUploadDirectory, Receive-MsiDataFile, Invoke-MsiStreamProcessor, Start-MsiS3Transfer.")]
        [InlineData("{ Receive-MsiDataFile -Topic lab; Receive-MsiDataFile -Topic lab2 }", "The script block must hold exactly one command, for example { Start-MsiUploadDirectory -Path D:\\Data -Topic lab -Config lab.config }.")]
        [InlineData("{ Receive-MsiDataFile -Topic lab }", "A service running Receive-MsiDataFile needs -OutputDirectory (a single value).")]
        [InlineData("{ Receive-MsiDataFile -Topic $noSuchVariable -OutputDirectory /x }", "-Topic uses $noSuchVariable, which is not set in this session.")]
        public void AScriptBlockThatCannotBeAServiceIsRefusedWithTheReasonAndWritesNothing(string block, string message)
        {
            using var ps = _module.Create();
            ps.AddScript($"Register-MsiService refused {block} -CliPath '{ModuleFixture.CliApphost}'");
            ErrorRecord error = Assert.Single(Invoked(ps).Streams.Error);
            Assert.Equal("ServiceCommandUnsupported,OpenMsiStream.PowerShell.Commands.Services.RegisterMsiServiceCommand", error.FullyQualifiedErrorId);
            Assert.Equal(message, error.Exception.Message);
            Assert.Empty(Entries());
        }

        [Fact]
        public void AProcessorCommandGoesAfterTheSeparatorAndTimeSpansBecomeSeconds()
        {
            using var ps = _module.Create();
            ps.AddScript($@"Register-MsiService sb-process {{ Invoke-MsiStreamProcessor lab -Command python3 -ArgumentList 'x.py', '{{path}}' -ResultTopic results -Timeout '00:02:00' -Mode Disk -OutputDirectory out -Config '{Config}' }} -CliPath '{ModuleFixture.CliApphost}' -RunAs labuser -WhatIf");
            ps.Invoke();
            Assert.Empty(ps.Streams.Error);
            Assert.Empty(Entries());

            _module.Invoke($@"Register-MsiService sb-process {{ Invoke-MsiStreamProcessor lab -Command python3 -ArgumentList 'x.py', '{{path}}' -ResultTopic results -Timeout '00:02:00' -Mode Disk -OutputDirectory out -Config '{Config}' }} -CliPath '{ModuleFixture.CliApphost}' -RunAs labuser");
            string location = (string)_module.Invoke("$ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath").Single().BaseObject;
            Assert.Equal(new[]
            {
                "process", "lab", "--result-topic", "results", "--timeout", "120", "--mode", "Disk", "--output-directory", Path.Combine(location, "out"),
                "--config", Config, "--", "python3", "x.py", "{path}",
            }, StoredArguments("sb-process"));
            Assert.Equal("LAB_TOKEN=\"s3cret value\"\n", File.ReadAllText(Path.Combine(Root, "etc/openmsistream/services/sb-process.env")));
        }

        [Fact]
        public void AnUploaderThatReadsMetadataSidecarsKeepsDoingSoAsAService()
        {
            string watched = Directory.CreateDirectory(_temp.Combine("watched")).FullName;
            _module.Invoke($@"Register-MsiService sb-sidecar {{ Start-MsiUploadDirectory -Path '{watched}' -Topic lab -MetadataSidecar -SettleTime 10 -Config '{Config}' }} -CliPath '{ModuleFixture.CliApphost}' -RunAs labuser");

            Assert.Equal(new[] { "upload-directory", watched, "--topic", "lab", "--settle-time", "10", "--config", Config, "--metadata-sidecar" }, StoredArguments("sb-sidecar"));
        }

        [Fact]
        public void MetricsParametersBecomeServiceOptionsAndGetMsiServiceShowsTheLagFromTheStatusFile()
        {
            _module.Invoke($@"Register-MsiService sb-metrics {{ Receive-MsiDataFile -Topic lab -OutputDirectory out -GroupId archive -MetricsPort 9464 -MetricsAddress 0.0.0.0 -Config '{Config}' }} -CliPath '{ModuleFixture.CliApphost}' -RunAs labuser");
            string location = (string)_module.Invoke("$ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath").Single().BaseObject;
            Assert.Equal(new[]
            {
                "download-directory", Path.Combine(location, "out"), "--topic", "lab", "--group-id", "archive", "--metrics-port", "9464", "--metrics-address", "0.0.0.0", "--config", Config,
            }, StoredArguments("sb-metrics"));

            // What the running service last wrote: its status file, in the service's data directory.
            string status = Path.Combine(Root, "var/lib/openmsistream/sb-metrics/status/sb-metrics.json");
            Directory.CreateDirectory(Path.GetDirectoryName(status)!);
            File.WriteAllText(status, "{\"programId\": \"sb-metrics\", \"state\": \"Running\", \"updatedAt\": \"2026-11-24T09:41:07+00:00\", \"filesHandled\": 412, \"consumerLag\": 1234, \"metricsUrl\": \"http://0.0.0.0:9464/metrics\"}");
            PSObject service = Assert.Single(_module.Invoke("Get-MsiService sb-metrics"));
            Assert.Equal(1234L, service.Properties["Lag"].Value);
            Assert.Equal("http://0.0.0.0:9464/metrics", service.Properties["MetricsUrl"].Value);
            string table = (string)Assert.Single(_module.Invoke("Get-MsiService sb-metrics | Out-String -Width 120")).BaseObject;
            string[] lines = table.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Trim().Length > 0).ToArray();
            Assert.Matches(@"^Name\s+Scope\s+State\s+LastHeartbeat\s+Files\s+Lag\s+LastError$", lines[0]);
            Assert.Matches(@"^sb-metrics\s+System\s+Unknown\s+\S+ \S+\s+412\s+1234$", lines[2]);
        }

        private string[] StoredArguments(string name)
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "etc/openmsistream/services", name + ".json")));
            return json.RootElement.GetProperty("arguments").EnumerateArray().Select(a => a.GetString()!).ToArray();
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

        /// <summary>A statement-terminating error ends the statement, not the script: it lands in the error stream.</summary>
        private static System.Management.Automation.PowerShell Invoked(System.Management.Automation.PowerShell ps)
        {
            Assert.Empty(ps.Invoke());
            return ps;
        }
    }
}
