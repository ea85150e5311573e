using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Monitoring
{
    /// <summary>Heartbeats read back from a topic of the embedded broker, ours and OpenMSIStream's, with log lines and junk mixed in.</summary>
    public class HeartbeatReaderTests : IDisposable
    {
        private const string Topic = "heartbeats";
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, Topic);

        public void Dispose() => _broker.Dispose();

        private static (byte[], byte[]) Message(string key, string value) => (Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));

        [Fact]
        public void LatestGivesTheNewestHeartbeatOfEachProgramAndReportsUnreadableOnes()
        {
            _broker.ProduceRaw(Topic, new[]
            {
                // OpenMSIStream's uploader: isoformat() leaves out the microseconds when they are zero.
                Message("lab-pc_heartbeat", "{\"timestamp\": \"2026-11-20T08:00:00+00:00\", \"n_messages_produced\": 12, \"n_bytes_produced\": 6000000}"),
                Message("lab-pc_log", "{\"timestamp\": \"2026-11-20T08:00:00+00:00\", \"messages\": [\"hello\"]}"),
                Message("analysis_heartbeat", "{\"timestamp\":\"2026-11-20T08:00:00.500000+00:00\",\"n_messages_read\":3,\"n_messages_processed\":2,\"n_bytes_read\":30,\"n_bytes_processed\":20}"),
                Message("lab-pc_heartbeat", "{\"timestamp\": \"2026-11-20T08:15:00.250000+00:00\", \"n_messages_produced\": 0, \"n_bytes_produced\": 0}"),
                Message("broken_heartbeat", "{\"timestamp\": 17"),
                Message("negative_heartbeat", "{\"timestamp\": \"2026-11-20T08:00:00+00:00\", \"n_messages_read\": -1}"),
            }, partition: 0);
            _broker.ProduceRaw(Topic, new[] { Message("other_heartbeat", "{\"timestamp\": \"2026-11-21T00:00:00+00:00\"}") }, partition: 1);

            var invalid = new List<OpenMsiStreamException>();
            IReadOnlyList<Heartbeat> latest = new HeartbeatReader(_broker.Settings, new HeartbeatReadOptions(Topic), new ClientDiagnostics())
                .Latest(invalid.Add, CancellationToken.None);

            Assert.Equal(new[] { "analysis", "lab-pc", "other" }, latest.Select(h => h.ProgramId));
            Heartbeat upload = latest[1];
            Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 15, 0, 250, TimeSpan.Zero), upload.Timestamp);
            Assert.Equal(0, upload.MessagesProduced);
            Assert.Null(upload.MessagesRead); // an uploader reads nothing
            Assert.Equal(3, upload.Offset);
            Assert.Equal((3L, 2L, 30L, 20L), (latest[0].MessagesRead!.Value, latest[0].MessagesProcessed!.Value, latest[0].BytesRead!.Value, latest[0].BytesProcessed!.Value));
            Assert.True(upload.Age > TimeSpan.Zero);
            Assert.Equal(new[]
            {
                "The heartbeat of 'broken' at heartbeats[0]@4 cannot be read: it is not JSON",
                "The heartbeat of 'negative' at heartbeats[0]@5 cannot be read: 'n_messages_read' is not a count.",
            }, invalid.Select(e => e.Message.Split(" (")[0]));
            Assert.All(invalid, e => Assert.Equal(ErrorIds.InvalidHeartbeat, e.ErrorId));
        }

        [Fact]
        public void StreamingStopsAtTheCountAndFiltersByProgram()
        {
            _broker.ProduceRaw(Topic, Enumerable.Range(0, 6).Select(i =>
                Message(i % 2 == 0 ? "even_heartbeat" : "odd_heartbeat", $"{{\"timestamp\": \"2026-11-20T08:00:0{i}+00:00\", \"n_messages_produced\": {i}}}")), partition: 1);
            var seen = new List<Heartbeat>();
            var options = new HeartbeatReadOptions(Topic) { ProgramFilter = id => id == "odd", Count = 2, IdleTimeout = TimeSpan.FromSeconds(20) };

            int count = new HeartbeatReader(_broker.Settings, options, new ClientDiagnostics()).Run(seen.Add, e => throw e, CancellationToken.None);

            Assert.Equal(2, count);
            Assert.Equal(new long?[] { 1, 3 }, seen.Select(h => h.MessagesProduced));
        }

        [Fact]
        public async System.Threading.Tasks.Task TheCliPrintsTheLatestHeartbeatOfEachProgramAndFailsOnUnreadableOnes()
        {
            _broker.ProduceRaw(Topic, new[]
            {
                Message("xrd-upload_heartbeat", "{\"timestamp\": \"2026-11-20T08:00:00+00:00\", \"n_messages_produced\": 12, \"n_bytes_produced\": 6000000}"),
                Message("xrd-upload_heartbeat", "{\"timestamp\": \"2026-11-20T08:01:00+00:00\", \"n_messages_produced\": 2, \"n_bytes_produced\": 1000}"),
                Message("s3_heartbeat", "{\"timestamp\": \"2026-11-20T08:00:30.5+00:00\", \"n_messages_read\": 4, \"n_messages_processed\": 4, \"n_bytes_read\": 40, \"n_bytes_processed\": 40}"),
            }, partition: 0);

            using (CliProcess cli = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "heartbeats", Topic, "--latest", "--bootstrap-servers", _broker.Broker.BootstrapServers))
            {
                Assert.Equal(0, cli.ExitCode);
                Assert.Matches(@"^s3\t2026-11-20T08:00:30\.500000\+00:00\tage \d+s read=4 processed=4 bytes_read=40 bytes_processed=40\nxrd-upload\t2026-11-20T08:01:00\.000000\+00:00\tage \d+s produced=2 bytes_produced=1000\n$", cli.Stdout);
            }

            _broker.ProduceRaw(Topic, new[] { Message("xrd-upload_heartbeat", "not json") }, partition: 1);
            using (CliProcess cli = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "heartbeats", Topic, "--program-id", "xrd-*", "--idle-timeout", "2", "--bootstrap-servers", _broker.Broker.BootstrapServers))
            {
                Assert.Equal(1, cli.ExitCode);
                Assert.Equal(2, cli.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
                Assert.Contains("openmsistream: error InvalidHeartbeat: The heartbeat of 'xrd-upload' at heartbeats[1]@0 cannot be read: it is not JSON", cli.Stderr);
            }
        }

        [Fact]
        public void AnUnresolvableBrokerIsBrokerUnreachableWithTheResolverMessage()
        {
            var reader = new HeartbeatReader(OpenMsiStream.Config.KafkaSettings.FromBootstrapServers("no-such-host.invalid:9092"), new HeartbeatReadOptions(Topic), new ClientDiagnostics());

            var error = Assert.Throws<OpenMsiStreamException>(() => reader.Latest(_ => { }, CancellationToken.None));

            Assert.Equal(ErrorIds.BrokerUnreachable, error.ErrorId);
            Assert.Contains("Failed to resolve 'no-such-host.invalid:9092'", error.Message);
        }

        [Fact]
        public void AMissingTopicIsTopicNotFound()
        {
            var reader = new HeartbeatReader(_broker.Settings, new HeartbeatReadOptions("no-such-heartbeats"), new ClientDiagnostics());

            var error = Assert.Throws<OpenMsiStreamException>(() => reader.Latest(_ => { }, CancellationToken.None));

            Assert.Equal(ErrorIds.TopicNotFound, error.ErrorId);
            Assert.Equal($"Topic 'no-such-heartbeats' does not exist on {_broker.Broker.BootstrapServers}: no program has sent heartbeats to it yet.", error.Message);
        }
    }
}
