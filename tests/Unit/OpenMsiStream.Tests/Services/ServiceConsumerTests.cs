using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Operations;
using OpenMsiStream.Processing;
using OpenMsiStream.Services;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Services
{
    /// <summary>
    /// The topic and consumer group of a service, read from its stored command line: the forms the CLI
    /// accepts, each command's default group, and agreement with what the real command joins.
    /// </summary>
    public sealed class ServiceConsumerTests : IDisposable
    {
        private const string Topic = "svc-consumer";
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);
        private static readonly Regex JoinedGroup = new Regex("as consumer group '([^']+)'");
        private readonly TempDirectory _temp = new TempDirectory("service-consumer");

        public void Dispose() => _temp.Dispose();

        [Theory]
        [InlineData("download-directory|/data/in|--topic|lab|--group-id|archive", "lab", "archive")]
        [InlineData("download-directory|/data/in|--topic=lab|--verbose|--group-id:archive|--count|5", "lab", "archive")]
        [InlineData("download-directory|/data/in|--verbose|true|--topic|lab|--group-id|archive", "lab", "archive")]
        [InlineData("s3-transfer|lab|lab-archive", "lab", "openmsistream-s3-lab-archive")]
        [InlineData("s3-transfer|lab|lab-archive|--treat-undecryptable-as-plaintext|--group-id|mine", "lab", "mine")]
        [InlineData("process|xrd|--group-id|xrd-plots|--|python3|plot.py|{path}", "xrd", "xrd-plots")]
        public void TheGroupGivenOrTheCommandsDefaultIsTheServicesGroup(string arguments, string topic, string group)
        {
            ServiceInfo service = Service(arguments.Split('|'));
            Assert.Equal(topic, service.Topic);
            Assert.Equal(group, service.GroupId);
            Assert.Null(service.NoConsumerGroup());
        }

        [Fact]
        public void AProcessorsDefaultGroupIsNamedAfterItsTopicAndTheProgramAfterTheSeparator()
        {
            ServiceInfo service = Service("process", "xrd", "--throttle-limit", "4", "--verbose", "--", "python3", "plot.py", "--dpi", "300", "{path}");
            Assert.Equal(StreamProcessingOptions.DefaultGroupId("xrd", "python3\nplot.py\n--dpi\n300\n{path}"), service.GroupId);
            Assert.NotEqual(service.GroupId, Service("process", "xrd", "--", "python3", "other.py", "{path}").GroupId);
        }

        [Fact]
        public void AnUploaderAndAReceiverWithANewGroupEveryStartHaveNoGroupAndSayWhy()
        {
            ServiceInfo uploader = Service("upload-directory", "/data/xrd", "--topic", "xrd", "--upload-existing", "--config", "lab.config");
            Assert.Equal("xrd", uploader.Topic);
            Assert.Null(uploader.GroupId);
            OpenMsiStreamException error = uploader.NoConsumerGroup()!;
            Assert.Equal(ErrorIds.NoConsumerGroup.Name, error.ErrorId);
            Assert.Equal("Service 'svc' has no consumer group to measure the backlog of: it runs upload-directory, which sends files and reads none.", error.Message);

            ServiceInfo fresh = Service("download-directory", "/data/in", "--topic", "xrd");
            Assert.Null(fresh.GroupId);
            Assert.Contains("reads as a new consumer group at every start; register it with --group-id (-GroupId)", fresh.NoConsumerGroup()!.Message);
        }

        [Fact]
        public void AReceiverWithoutGroupIdTakesTheGroupOfItsConfigFileResolvedAgainstItsWorkingDirectory()
        {
            File.WriteAllText(_temp.Combine("fixed.config"), "[broker]\nbootstrap.servers = localhost:9092\nsasl.password = $UNSET_IN_THIS_TEST\n[consumer]\ngroup.id = from-config\n");
            File.WriteAllText(_temp.Combine("fresh.config"), "[broker]\nbootstrap.servers = localhost:9092\n[consumer]\ngroup.id = create_new\n");
            Assert.Equal("from-config", Service("download-directory", "out", "--topic", "xrd", "--config", "fixed").GroupId);
            Assert.Equal("given", Service("download-directory", "out", "--topic", "xrd", "--config", "fixed", "--group-id", "given").GroupId);
            Assert.Null(Service("download-directory", "out", "--topic", "xrd", "--config", "fresh").GroupId);
            ServiceInfo missing = Service("download-directory", "out", "--topic", "xrd", "--config", "gone.config");
            Assert.Null(missing.GroupId);
            Assert.Contains("it takes its consumer group from its config file, which cannot be read here (Config file 'gone.config' was not found", missing.NoConsumerGroup()!.Message);
        }

        [Fact]
        public async Task TheSwitchesItSkipsAreExactlyTheOptionsOfTheLongRunningCommandsThatTakeNoValue()
        {
            var switches = new SortedSet<string>(StringComparer.Ordinal);
            foreach (string command in ServiceDefinition.LongRunningCommands)
            {
                using CliProcess help = await CliProcess.RunAsync(Long, command, "--help");
                Assert.Equal(0, help.ExitCode);
                foreach (Match option in Regex.Matches(help.Stdout, @"(?m)^  (--[a-z0-9-]+)( <)?"))
                {
                    if (!option.Groups[2].Success && option.Groups[1].Value != "--help")
                    {
                        switches.Add(option.Groups[1].Value);
                    }
                }
            }
            Assert.Equal(switches, new SortedSet<string>(ServiceConsumer.Switches, StringComparer.Ordinal));
        }

        [Fact]
        public async Task TheGroupReadFromTheCommandLineIsTheOneTheRealCommandJoins()
        {
            using var broker = new EmbeddedBroker(1, Topic);
            string config = _temp.Combine("lab.config");
            File.WriteAllText(config, $"[broker]\nbootstrap.servers = {broker.Broker.BootstrapServers}\n[consumer]\ngroup.id = lab-archive\n");
            var environment = new Dictionary<string, string?> { ["OPENMSISTREAM_HOME"] = _temp.Combine("home") };
            string[][] commands =
            {
                new[] { "process", Topic, "--config", config, "--idle-timeout", "1", "--verbose", "--", "echo", "{name}" },
                new[] { "download-directory", _temp.Combine("in"), "--topic", Topic, "--config", config, "--idle-timeout", "1" },
            };
            foreach (string[] arguments in commands)
            {
                using CliProcess run = await CliProcess.RunWithAsync(environment, Long, arguments);
                Assert.True(run.ExitCode == 0, run.Stderr);
                Assert.Equal(JoinedGroup.Match(run.Stderr).Groups[1].Value, Service(arguments).GroupId);
            }
        }

        private ServiceInfo Service(params string[] arguments) => new ServiceInfo(
            new ServiceDefinition { Name = "svc", Arguments = arguments.ToList(), WorkingDirectory = _temp.Path }, _temp.Combine("svc.json"), "Unknown", null);
    }
}
