using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using OpenMsiStream.Tests.Cli;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Kafka09
{
    /// <summary>`openmsistream lag` and `files`, and metadata, on a real broker (Kafka 0.9: groups can be listed; no headers).</summary>
    [Collection(Kafka09Collection.Name)]
    public sealed class Kafka09InspectionTests : IDisposable
    {
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(120);
        private readonly Kafka09Fixture _kafka;
        private readonly TempDirectory _temp = new TempDirectory("kafka09-inspection");

        public Kafka09InspectionTests(Kafka09Fixture kafka)
        {
            _kafka = kafka;
            _kafka.EnsureBrokerRunning();
        }

        public void Dispose() => _temp.Dispose();

        [Fact]
        public async Task LagWithoutAGroupMeasuresTheGroupsTheBrokerListsAndANamedGroupAlways()
        {
            string topic = "lag-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string config = _kafka.WriteConfig(_temp.Combine("kafka09.config"));
            var environment = Kafka09Fixture.HomeEnvironment(_temp.Combine("home"));
            string[] paths = Enumerable.Range(0, 3).Select(i => _temp.WriteFile(Path.Combine("src", $"f{i}.dat"), TestData.Bytes(30_000, seed: i))).ToArray();
            // One file after another, so that a file's chunks follow each other in its partition (see InspectionCliTests).
            foreach (string path in paths)
            {
                using CliProcess upload = await CliProcess.RunWithAsync(environment, Long, "upload-file", path, "--topic", topic, "--config", config, "--chunk-size", "16384");
                Assert.True(upload.ExitCode == 0, upload.Stderr);
            }
            using (CliProcess partial = await CliProcess.RunWithAsync(environment, Long, "download-directory", _temp.Combine("partial"), "--topic", topic, "--config", config,
                "--group-id", "k09-partial", "--count", "1", "--idle-timeout", "30"))
            {
                Assert.True(partial.ExitCode == 0, partial.Stderr);
            }
            // An archive that keeps running, as a service would.
            using CliProcess live = CliProcess.StartWith(environment, "download-directory", _temp.Combine("live"), "--topic", topic, "--config", config, "--group-id", "k09-live");
            try
            {
                await live.WaitUntilAsync(() => live.Stdout.Split('\n').Count(l => l.StartsWith("received ", StringComparison.Ordinal)) == 3, Long, "the archive to receive every file");
                await Eventually(environment, Long, () => new[] { "lag", topic, "--config", config, "--group-id", "k09-live" }, output => output.Contains("is up to date"), "k09-live to commit");

                using CliProcess every = await CliProcess.RunWithAsync(environment, Long, "lag", topic, "--config", config);
                using CliProcess named = await CliProcess.RunWithAsync(environment, Long, "lag", topic, "--config", config, "--group-id", "k09-partial");

                Assert.True(every.ExitCode == 0, every.Stderr);
                Assert.Equal(string.Empty, every.Stderr);
                // A Kafka 0.9 broker lists the groups that have members now (k09-live), not those whose
                // members all left (k09-partial): it forgets a group once it is empty; brokers since 0.10.1 keep it.
                string[][] rows = InspectionCliTests.Rows(every.Stdout, 7).Skip(1).ToArray();
                Assert.Equal(new[] { "k09-live", "k09-live" }, rows.Select(r => r[0]));
                Assert.Equal(new[] { "0", "0" }, rows.Select(r => r[4]));
                Assert.Equal($"Consumer group 'k09-live' is up to date on topic '{topic}'.", InspectionCliTests.Lines(every.Stdout)[^1]);
                Assert.True(named.ExitCode == 0, named.Stderr);
                Assert.Equal(4, InspectionCliTests.Rows(named.Stdout, 7).Skip(1).Sum(r => long.Parse(r[4])));
                Assert.Matches($@"^Consumer group 'k09-partial' is 4 message\(s\) behind on topic '{topic}': 5\d\.\d KB, 2 file\(s\) not yet complete\.$", InspectionCliTests.Lines(named.Stdout)[^1]);
            }
            finally
            {
                live.Terminate();
                await live.WaitAsync(Long);
            }

            using CliProcess files = await CliProcess.RunWithAsync(environment, Long, "files", topic, "--config", config);
            Assert.True(files.ExitCode == 0, files.Stderr);
            Assert.Equal(new[] { "f0.dat", "f1.dat", "f2.dat" }, InspectionCliTests.Rows(files.Stdout, 8).Skip(1).Select(r => r[0]));
            Assert.Matches($@"^3 file\(s\) on topic '{topic}': 3 complete, 0 incomplete; 6 message\(s\), \d+\.\d KB\.$", InspectionCliTests.Lines(files.Stdout)[^1]);
        }

        [Fact]
        public async Task AGroupThatReadsTheTopicIsListedBeforeItCommittedAnything()
        {
            string topic = "quiet-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string config = _kafka.WriteConfig(_temp.Combine("kafka09.config"));
            var environment = Kafka09Fixture.HomeEnvironment(_temp.Combine("home"));
            // Nothing arrives on the topic, so the group never commits: it is found by its members' assignments.
            using CliProcess waiting = CliProcess.StartWith(environment, "download-directory", _temp.Combine("out"), "--topic", topic, "--config", config, "--group-id", "k09-waiting");
            try
            {
                string output = await Eventually(environment, Long, () => new[] { "lag", topic, "--config", config }, o => o.Contains("k09-waiting"), "the waiting group to be listed");

                string[][] rows = InspectionCliTests.Rows(output, 7).Skip(1).ToArray();
                Assert.Equal(new[] { "k09-waiting", "k09-waiting" }, rows.Select(r => r[0]));
                Assert.Equal(new[] { "-", "-" }, rows.Select(r => r[2]));
                Assert.Equal($"Consumer group 'k09-waiting' is up to date on topic '{topic}'.", InspectionCliTests.Lines(output)[^1]);
            }
            finally
            {
                waiting.Terminate();
                await waiting.WaitAsync(Long);
            }
            // Gone, and it never committed: nothing is left to measure.
            string after = await Eventually(environment, Long, () => new[] { "lag", topic, "--config", config }, o => !o.Contains("k09-waiting"), "the group to be gone");
            Assert.Equal($"No consumer group reads topic '{topic}' or has committed offsets on it.\n", after);
        }

        /// <summary>Runs a command until its output satisfies <paramref name="done"/> (a state another process reaches on its own time); returns that output.</summary>
        private static async Task<string> Eventually(System.Collections.Generic.IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, Func<string[]> arguments, Func<string, bool> done, string what)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            string last = string.Empty;
            while (DateTime.UtcNow < deadline)
            {
                using CliProcess cli = await CliProcess.RunWithAsync(environment, timeout, arguments());
                last = cli.Stdout + cli.Stderr;
                if (cli.ExitCode == 0 && done(cli.Stdout))
                {
                    return cli.Stdout;
                }
                await Task.Delay(500);
            }
            throw new TimeoutException($"Timed out waiting for {what}; last output:\n{last}");
        }

        [Fact]
        public async Task MetadataIsRefusedBecauseTheBrokerKeepsNoHeaders()
        {
            string topic = "meta-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string config = _kafka.WriteConfig(_temp.Combine("kafka09.config"));
            string file = _temp.WriteFile("a.csv", new byte[10]);

            using CliProcess upload = await CliProcess.RunWithAsync(Kafka09Fixture.HomeEnvironment(_temp.Combine("home")), Long, "upload-file", file, "--topic", topic, "--config", config, "--metadata", "sample=A7");

            Assert.Equal(2, upload.ExitCode);
            Assert.Equal("openmsistream: error MetadataUnsupported: --metadata cannot be used here: files would carry metadata, which travels as a Kafka header, "
                + "and the config says the broker is older than Kafka 0.11 (broker.version.fallback), which keeps no headers.\n", upload.Stderr);
        }
    }
}
