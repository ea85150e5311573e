using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Download;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using Xunit;

namespace OpenMsiStream.Tests.Monitoring
{
    /// <summary>Heartbeats, log lines, the status file and the log file of a running program, read back from the embedded broker and disk.</summary>
    public class ProgramMonitorTests : IDisposable
    {
        private const string Topic = "xrd";
        private const string Heartbeats = "heartbeats";
        private const string Logs = "logs";
        private static readonly Regex PythonIsoUtc = new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$");
        private readonly TempDirectory _temp = new TempDirectory("monitor");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, Topic, Heartbeats, Logs);

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task HeartbeatsCountWhatHappenedSinceThePreviousOneAndTheStatusFileKeepsTheTotals()
        {
            var files = new[] { ("a.dat", TestData.Bytes(40_000, 1)), ("sub/b é.dat", TestData.Bytes(9_000, 2)), ("c.dat", TestData.Bytes(70_000, 3)) };
            await Send(files);
            var options = new MonitorOptions
            {
                ProgramId = "xrd-pc",
                HeartbeatTopic = Heartbeats,
                HeartbeatInterval = TimeSpan.FromMilliseconds(300),
                LogTopic = Logs,
                LogInterval = TimeSpan.FromMilliseconds(300),
                LogFile = _temp.Combine("logs", "xrd-pc.log"),
                StatusDirectory = _temp.Combine("status"),
            };

            using (var monitor = new ProgramMonitor(_broker.Settings, options, ProgramKind.Processor, "download-directory", Topic))
            {
                monitor.Start();
                var observer = new RecordingObserver();
                using (var receiver = new FileReceiver(_broker.Settings, new ReceiveOptions(Topic) { OutputDirectory = _temp.Combine("out"), Count = 3, IdleTimeout = TimeSpan.FromSeconds(30) }))
                {
                    receiver.Run(monitor.Watch(observer), default);
                }
                Assert.Equal(3, observer.Files.Count);
                await Task.Delay(700); // at least one heartbeat after the last file
                monitor.Stop();
            }

            int chunks = files.Sum(f => (f.Item2.Length + 16383) / 16384);
            long bytes = files.Sum(f => (long)f.Item2.Length);
            List<ConsumeResult<byte[], byte[]>> beats = _broker.ReadAllRaw(Heartbeats, expected: 3);
            Assert.All(beats, b => Assert.Equal("xrd-pc_heartbeat", Encoding.UTF8.GetString(b.Message.Key)));
            List<JsonElement> values = beats.Select(b => JsonDocument.Parse(b.Message.Value).RootElement).ToList();
            Assert.All(values, v => Assert.Matches(PythonIsoUtc, v.GetProperty("timestamp").GetString()));
            // OpenMSIStream's fields in its order; the consumer's lag follows them once its statistics told it.
            Assert.All(values, v => Assert.Equal(new[] { "timestamp", "n_messages_read", "n_messages_processed", "n_bytes_read", "n_bytes_processed" }, v.EnumerateObject().Select(p => p.Name).Take(5)));
            Assert.All(values, v => Assert.True(v.EnumerateObject().Select(p => p.Name).Skip(5).SequenceEqual(v.TryGetProperty("consumer_lag", out _) ? new[] { "consumer_lag" } : Array.Empty<string>())));
            Assert.Equal(0, values[0].GetProperty("n_messages_processed").GetInt64()); // the first goes out at the start
            Assert.Equal(chunks, values.Sum(v => v.GetProperty("n_messages_processed").GetInt64()));
            Assert.Equal(bytes, values.Sum(v => v.GetProperty("n_bytes_processed").GetInt64()));
            Assert.Equal(chunks, values.Sum(v => v.GetProperty("n_messages_read").GetInt64()));
            Assert.Equal(0, values[^1].GetProperty("n_messages_processed").GetInt64()); // counters reset after each heartbeat

            List<string> logLines = _broker.ReadAllRaw(Logs, expected: 1)
                .Select(m => { Assert.Equal("xrd-pc_log", Encoding.UTF8.GetString(m.Message.Key)); return JsonDocument.Parse(m.Message.Value).RootElement; })
                .SelectMany(v => v.GetProperty("messages").EnumerateArray().Select(l => l.GetString()!)).ToList();
            Assert.Contains(logLines, l => l.StartsWith("[xrd-pc ", StringComparison.Ordinal) && l.Contains("received sub/b é.dat (9000 bytes, 1 chunks)"));
            Assert.Contains(logLines, l => l.EndsWith("download-directory 'xrd-pc' stopped.", StringComparison.Ordinal));

            ProgramStatus status = ProgramStatus.TryRead(Path.Combine(_temp.Path, "status", "xrd-pc.json"))!;
            Assert.Equal("Stopped", status.State);
            Assert.Equal(3, status.FilesHandled);
            Assert.Equal(chunks, status.MessagesProcessed);
            Assert.Equal(bytes, status.BytesProcessed);
            Assert.NotNull(status.LastHeartbeatAt);
            Assert.Contains("received c.dat", File.ReadAllText(_temp.Combine("logs", "xrd-pc.log")));
        }

        [Fact]
        public async Task TheLogFileGetsLibrdkafkasOwnErrorsFromAWrongBrokerAddressAndTheStatusSaysFailed()
        {
            string log = _temp.Combine("wrong-broker.log");
            string home = _temp.Combine("home");

            using CliProcess cli = await CliProcess.RunWithAsync(new Dictionary<string, string?> { ["OPENMSISTREAM_HOME"] = home }, TimeSpan.FromSeconds(60),
                "download-directory", _temp.Combine("out"), "--topic", Topic, "--bootstrap-servers", "127.0.0.1:1", "--program-id", "wrong", "--log-file", log);

            Assert.Equal(1, cli.ExitCode);
            string text = File.ReadAllText(log);
            Assert.Matches(@"\] ERR librdkafka .*127\.0\.0\.1:1.*Connection refused", text);
            // librdkafka retries every few milliseconds: the same line is written once a minute, not hundreds of times.
            Assert.Single(Regex.Matches(text, @"ERR librdkafka .*Connection refused"));
            Assert.Contains("ERR BrokerUnreachable: Cannot reach the Kafka broker at 127.0.0.1:1", text);
            ProgramStatus status = ProgramStatus.TryRead(Path.Combine(home, "status", "wrong.json"))!;
            Assert.Equal("Failed", status.State);
            Assert.StartsWith("Cannot reach the Kafka broker at 127.0.0.1:1", status.LastError);
            Assert.Equal("BrokerUnreachable", status.LastErrorId);
        }

        [Fact]
        public void HeartbeatFieldsFollowTheProgramKindAsInOpenMsiStream()
        {
            var counts = new CounterSnapshot(1, 2, 3, 4, 5, 6, 7, 8);
            var at = new DateTimeOffset(2026, 3, 21, 19, 17, 33, TimeSpan.FromHours(2)).AddTicks(1234560);

            Assert.Equal("{\"timestamp\":\"2026-03-21T17:17:33.123456+00:00\",\"n_messages_produced\":5,\"n_bytes_produced\":6}", MonitorMessages.Heartbeat(ProgramKind.Uploader, counts, at));
            Assert.Equal("{\"timestamp\":\"2026-03-21T17:17:33.123456+00:00\",\"n_messages_read\":1,\"n_messages_processed\":3,\"n_bytes_read\":2,\"n_bytes_processed\":4,\"n_messages_produced\":5,\"n_bytes_produced\":6}", MonitorMessages.Heartbeat(ProgramKind.Reproducer, counts, at));
            Assert.Equal("{\"timestamp\":\"2026-03-21T17:17:33.123456+00:00\",\"messages\":[\"a\",\"b ü\"]}", MonitorMessages.Log(new[] { "a", "b ü" }, at));
            // A consumer's lag, when known, after OpenMSIStream's fields; never for an uploader.
            Assert.Equal("{\"timestamp\":\"2026-03-21T17:17:33.123456+00:00\",\"n_messages_read\":1,\"n_messages_processed\":3,\"n_bytes_read\":2,\"n_bytes_processed\":4,\"consumer_lag\":42}", MonitorMessages.Heartbeat(ProgramKind.Processor, counts, at, 42));
            Assert.Equal("{\"timestamp\":\"2026-03-21T17:17:33.123456+00:00\",\"n_messages_produced\":5,\"n_bytes_produced\":6}", MonitorMessages.Heartbeat(ProgramKind.Uploader, counts, at, 42));
            Heartbeat read = Heartbeat.Parse("p", Encoding.UTF8.GetBytes(MonitorMessages.Heartbeat(ProgramKind.Processor, counts, at, 42)), "t", 0, 0, at);
            Assert.Equal(42, read.ConsumerLag);
            Assert.Null(Heartbeat.Parse("p", Encoding.UTF8.GetBytes(MonitorMessages.Heartbeat(ProgramKind.Processor, counts, at)), "t", 0, 0, at).ConsumerLag);
        }

        private async Task Send(params (string Name, byte[] Content)[] files)
        {
            string source = _temp.Combine("source");
            foreach ((string name, byte[] content) in files)
            {
                _temp.WriteFile(Path.Combine("source", name), content);
            }
            using var sender = new FileSender(_broker.Settings, new SendOptions(Topic) { ChunkSize = 16384 });
            sender.Connect(default);
            await Task.WhenAll(files.Select(f => sender.SendAsync(FileToSend.Create(Path.Combine(source, f.Name), source), null, default)));
        }
    }
}
