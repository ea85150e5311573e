using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using OpenMsiStream.Download;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.UploadDirectory;
using Xunit;

namespace OpenMsiStream.Tests.Services
{
    /// <summary>
    /// `openmsistream service …` as separate processes, in a temporary root standing in for / (the
    /// machine's own /etc and /var are never touched), and the service host run in the foreground.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // systemd layout and unix file modes
    public class ServiceCliTests : IDisposable
    {
        private const string Topic = "svc-lab";
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);
        private readonly TempDirectory _temp = new TempDirectory("service");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, Topic);
        private readonly Dictionary<string, string?> _environment;

        public ServiceCliTests()
        {
            Root = Directory.CreateDirectory(_temp.Combine("root")).FullName;
            Watched = Directory.CreateDirectory(_temp.Combine("watched")).FullName;
            Config = _temp.Combine("lab.config");
            File.WriteAllText(Config, $"[broker]\nbootstrap.servers = {_broker.Broker.BootstrapServers}\nclient.id = $LAB_CLIENT_ID\n");
            _environment = new Dictionary<string, string?>
            {
                ["OPENMSISTREAM_SERVICE_ROOT"] = Root,
                ["LAB_CLIENT_ID"] = "xrd \"pc\" 1",
                ["OPENMSISTREAM_HOME"] = null, // the service host must choose its own data directory
            };
        }

        private string Root { get; }

        private string Watched { get; }

        private string Config { get; }

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task WhatIfWritesNothingAndUninstallRemovesEverythingInstallCreated()
        {
            string[] install = { "service", "install", "lab", "--run-as", "root", "--", "upload-directory", Watched, "--topic", Topic, "--config", Config };

            using CliProcess whatIf = await Cli(install.Take(5).Concat(new[] { "--what-if" }).Concat(install.Skip(5)).ToArray());
            Assert.True(whatIf.ExitCode == 0, whatIf.Stderr);
            Assert.Empty(Entries());
            Assert.Contains($"write {Root}/etc/systemd/system/openmsistream-lab.service", whatIf.Stdout);
            Assert.Contains($"write {Root}/etc/openmsistream/services/lab.env (mode 0600; values not shown)", whatIf.Stdout);
            Assert.Contains("LAB_CLIENT_ID=***", whatIf.Stdout);
            Assert.DoesNotContain("xrd \\\"pc\\\" 1", whatIf.Stdout);
            Assert.Contains($"run systemctl --root={Root} enable openmsistream-lab.service", whatIf.Stdout);

            using CliProcess registered = await Cli(install);
            Assert.True(registered.ExitCode == 0, registered.Stderr);
            Assert.Equal(new[]
            {
                "etc/openmsistream/services/lab.env",
                "etc/openmsistream/services/lab.json",
                "etc/systemd/system/multi-user.target.wants/openmsistream-lab.service",
                "etc/systemd/system/openmsistream-lab.service",
            }, Entries());
            string secrets = Path.Combine(Root, "etc/openmsistream/services/lab.env");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secrets));
            Assert.Equal("LAB_CLIENT_ID=\"xrd \\\"pc\\\" 1\"\n", File.ReadAllText(secrets));
            using JsonDocument definition = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "etc/openmsistream/services/lab.json")));
            Assert.Equal(new[] { "upload-directory", Watched, "--topic", Topic, "--config", Config }, definition.RootElement.GetProperty("arguments").EnumerateArray().Select(a => a.GetString()));
            Assert.Equal("root", definition.RootElement.GetProperty("runAs").GetString());

            using CliProcess again = await Cli(install);
            Assert.Equal(1, again.ExitCode);
            Assert.StartsWith("openmsistream: error ServiceAlreadyExists: A service 'lab' is already registered", again.Stderr);

            using CliProcess list = await Cli("service", "list");
            Assert.StartsWith("lab\tSystem\tUnknown\tlast heartbeat never", list.Stdout);

            using CliProcess removed = await Cli("service", "uninstall", "lab");
            Assert.True(removed.ExitCode == 0, removed.Stderr);
            Assert.Empty(Entries());
        }

        [Theory]
        [InlineData(new[] { "service", "install", "x", "--run-as", "root", "--", "test-connection", "--bootstrap-servers", "h:1" }, "openmsistream: error InvalidArgument: 'test-connection' does not run until stopped; a service runs one of: upload-directory, download-directory, process, s3-transfer.")]
        [InlineData(new[] { "service", "install", "x", "--run-as", "root", "--", "upload-directory", "/data", "--topic", "t", "--no-such-option" }, "openmsistream: error InvalidArgument: The service's command line is not valid: Unrecognized command or argument '--no-such-option'.")]
        [InlineData(new[] { "service", "install", "bad/name", "--run-as", "root", "--", "upload-directory", "/data", "--topic", "t" }, "openmsistream: error InvalidArgument: 'bad/name' cannot be a service name: use 1 to 64 letters, digits, '_', '.' and '-', starting with a letter or digit.")]
        [InlineData(new[] { "service", "status", "nothing-here" }, "openmsistream: error ServiceNotFound: There is no service 'nothing-here' (no definition at '{root}/etc/openmsistream/services/nothing-here.json').")]
        public async Task WrongServiceCommandsSayWhatIsWrongAndWriteNothing(string[] arguments, string message)
        {
            using CliProcess cli = await Cli(arguments);

            Assert.NotEqual(0, cli.ExitCode);
            Assert.Equal(message.Replace("{root}", Root), cli.Stderr.Split('\n')[0]);
            Assert.Empty(Entries());
        }

        [Fact]
        public async Task AVariableTheConfigNeedsThatIsNotSetStopsTheRegistration()
        {
            _environment["LAB_CLIENT_ID"] = null;

            using CliProcess cli = await Cli("service", "install", "lab", "--run-as", "root", "--", "upload-directory", Watched, "--topic", Topic, "--config", Config);

            Assert.Equal(2, cli.ExitCode);
            Assert.Equal("openmsistream: error ServiceVariableUnset: The service needs $LAB_CLIENT_ID, which is not set here: set it in this session and register again (the values go to the service's secrets file).", cli.Stderr.Trim());
            Assert.Empty(Entries());
        }

        [Fact]
        public async Task TheServiceHostStopsGracefullyOnSigtermMidUploadAndARestartCompletesTheWork()
        {
            byte[] large = TestData.Bytes(3 * 1024 * 1024, seed: 11); // 192 chunks of 16 KiB
            File.WriteAllBytes(Path.Combine(Watched, "large.raw"), large);
            string state = _temp.Combine("upload-state");
            using (CliProcess registered = await Cli("service", "install", "lab", "--run-as", "root", "--", "upload-directory", Watched, "--topic", Topic,
                "--config", Config, "--upload-existing", "--settle-time", "0.3", "--state-directory", state, "--chunk-size", "16384", "--max-rate", "300000",
                "--heartbeat-interval", "1"))
            {
                Assert.True(registered.ExitCode == 0, registered.Stderr);
            }

            int acknowledged;
            using (CliProcess host = CliProcess.StartWith(_environment, "service", "run", "lab"))
            {
                await host.WaitUntilAsync(() => Acknowledged(state) >= 40, Long, "some chunks to be acknowledged");
                var clock = System.Diagnostics.Stopwatch.StartNew();
                host.Terminate();
                await host.WaitAsync(Long);
                Assert.True(host.ExitCode == 0, host.Stderr);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"stopped after {clock.Elapsed}");
                acknowledged = Acknowledged(state);
                Assert.InRange(acknowledged, 40, 191);
            }
            ProgramStatus status = ProgramStatus.TryRead(Path.Combine(Root, "var/lib/openmsistream/lab/status/lab.json"))!;
            Assert.Equal("Stopped", status.State);
            Assert.Equal("upload-directory", status.Program);
            Assert.True(File.Exists(Path.Combine(Root, "var/lib/openmsistream/lab/logs/lab.log")));

            using (CliProcess host = CliProcess.StartWith(_environment, "service", "run", "lab"))
            {
                await host.WaitUntilAsync(() => Record(state)?.Status == UploadStatus.Sent, Long, "the file to be sent");
                host.Terminate();
                await host.WaitAsync(Long);
                Assert.Equal(0, host.ExitCode);
                Assert.Contains("already sent before a restart", host.Stdout);
            }
            using CliProcess shown = await Cli("service", "status", "lab");
            Assert.Contains("program state:  Stopped", shown.Stdout);
            Assert.Contains(", 1 files", shown.Stdout);
            Assert.Contains($"  topic:          {Topic}\n", shown.Stdout.Replace("\r\n", "\n")); // an uploader has no consumer group

            var observer = new RecordingObserver();
            using (var receiver = new FileReceiver(_broker.Settings, new ReceiveOptions(Topic) { OutputDirectory = _temp.Combine("received"), Count = 1, IdleTimeout = TimeSpan.FromSeconds(30) }))
            {
                receiver.Run(observer, default);
            }
            Assert.Equal(large, File.ReadAllBytes(Assert.Single(observer.Files).FullName!));
        }

        [Fact]
        public async Task StatusShowsAProcessorsTopicGroupAndResultDelivery()
        {
            using CliProcess registered = await Cli("service", "install", "xrd", "--run-as", "root", "--", "process", Topic, "--config", Config,
                "--group-id", "analysis", "--result-topic", "svc-results", "--", "true", "{path}");
            Assert.True(registered.ExitCode == 0, registered.Stderr);
            new ProgramStatus
            {
                ProgramId = "xrd", Program = "process", State = "Stopped",
                ResultDelivery = OpenMsiStream.Processing.ResultDelivery.AtLeastOnce, ResultDeliveryReason = "asked for with --exactly-once off",
            }.Save(Path.Combine(Root, "var/lib/openmsistream/xrd/status/xrd.json"));

            using CliProcess shown = await Cli("service", "status", "xrd");

            Assert.True(shown.ExitCode == 0, shown.Stderr);
            string stdout = shown.Stdout.Replace("\r\n", "\n");
            Assert.Contains($"  topic:          {Topic}, consumer group analysis\n", stdout);
            Assert.Contains("  results:        AtLeastOnce (asked for with --exactly-once off)\n", stdout);
        }

        private Task<CliProcess> Cli(params string[] arguments) => CliProcess.RunWithAsync(_environment, Long, arguments);

        /// <summary>Every file and link under the root, relative, sorted (directories are not counted).</summary>
        private string[] Entries() =>
            Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories)
                .Where(path => !Directory.Exists(path) || new FileInfo(path).LinkTarget != null)
                .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
                .OrderBy(path => path, StringComparer.Ordinal)
                .ToArray();

        private static UploadRecord? Record(string state)
        {
            using UploadRegistry? registry = UploadRegistry.OpenExisting(state, Topic);
            return registry?.Find("large.raw");
        }

        private static int Acknowledged(string state) => Record(state)?.ChunksAcknowledged ?? 0;
    }
}
