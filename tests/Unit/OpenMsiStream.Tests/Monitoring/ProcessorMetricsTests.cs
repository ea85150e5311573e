using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Config;
using OpenMsiStream.Download;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Processing;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using Xunit;

namespace OpenMsiStream.Tests.Monitoring
{
    /// <summary>A processor's metrics: files processed and failed, results produced, the failure's error id.</summary>
    public sealed class ProcessorMetricsTests : IDisposable
    {
        private const string Topic = "spectra";
        private const string Results = "spectra-results";
        private readonly TempDirectory _temp = new TempDirectory("processor-metrics");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, Topic, Results);

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task AProcessorCountsWhatItProcessedFailedAndProduced()
        {
            // 4 KiB chunks: 2 + 1 chunks processed, 3 chunks of the file that fails.
            var files = new[] { ("a.csv", TestData.Bytes(5000, 1)), ("b.csv", TestData.Bytes(100, 2)), ("broken.csv", TestData.Bytes(9000, 3)) };
            await Send(files);
            KafkaSettings settings = _broker.ShortSessionSettings(_temp);
            var options = new StreamProcessingOptions(Topic, "metrics-processor")
            {
                StateDirectory = _temp.Combine("state"),
                ResultTopic = Results,
                Count = 3,
                IdleTimeout = TimeSpan.FromSeconds(60),
            };
            var monitorOptions = new MonitorOptions { ProgramId = "xrd-meta", MetricsPort = 0, LogFile = "", StatusDirectory = _temp.Combine("status") };

            using var monitor = new ProgramMonitor(settings, monitorOptions, ProgramKind.Reproducer, "process", Topic);
            monitor.Start();
            using (var processor = new StreamProcessor(settings, options, new LengthMetadata()))
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
            {
                processor.Run(monitor.Watch(new ProcessingRecorder()), timeout.Token);
            }

            using var http = new HttpClient();
            string text = await http.GetStringAsync(monitor.MetricsUrl);
            Dictionary<string, double> samples = text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#'))
                .ToDictionary(l => l.Substring(0, l.LastIndexOf(' ')), l => double.Parse(l.Substring(l.LastIndexOf(' ') + 1), CultureInfo.InvariantCulture));
            string Series(string name, string? label = null) => $"openmsistream_{name}{{program_id=\"xrd-meta\"{(label == null ? "" : "," + label)}}}";
            Assert.Equal(3, samples[Series("files_received_total")]);
            Assert.Equal(2, samples[Series("files_processed_total")]);
            Assert.Equal(3, samples[Series("chunks_processed_total")]);
            Assert.Equal(5100, samples[Series("bytes_processed_total")]);
            Assert.Equal(6, samples[Series("chunks_received_total")]);
            Assert.Equal(1, samples[Series("files_failed_total")]);
            Assert.Equal(2, samples[Series("results_produced_total")]);
            Assert.Equal(1, samples[Series("errors_total", "error_id=\"ProcessingFailed\"")]);
            Assert.Equal(0, samples[Series("files_in_progress")]);
            Assert.DoesNotContain(samples.Keys, k => k.Contains("_sent_total"));
        }

        [Theory]
        [InlineData(ExactlyOnceMode.Auto, "AtLeastOnce", "at_least_once", "the embedded broker accepts Kafka transactions but does not implement them")]
        [InlineData(ExactlyOnceMode.On, "ExactlyOnce", "exactly_once", "the broker supports Kafka transactions; though the embedded broker accepts Kafka transactions")]
        public async Task TheResultDeliveryInForceAndWhyAreInTheHeartbeatsAndTheStatusFile(ExactlyOnceMode mode, string delivery, string field, string why)
        {
            const string Heartbeats = "spectra-heartbeats";
            _broker.Broker.CreateTopic(Heartbeats, 1);
            await Send(("a.csv", TestData.Bytes(100, 1)));
            var options = new StreamProcessingOptions(Topic, "delivery-" + mode)
            {
                StateDirectory = _temp.Combine("state-" + mode),
                ResultTopic = Results,
                ExactlyOnce = mode,
                Count = 1,
                IdleTimeout = TimeSpan.FromSeconds(60),
            };
            string statusDirectory = _temp.Combine("status-" + mode);
            var monitorOptions = new MonitorOptions { ProgramId = "xrd-" + mode, LogFile = "", StatusDirectory = statusDirectory, HeartbeatTopic = Heartbeats };
            using (var monitor = new ProgramMonitor(_broker.Settings, monitorOptions, ProgramKind.Reproducer, "process", Topic))
            {
                monitor.Start(); // its first heartbeat goes out before the processor decided: without the fields
                using (var processor = new StreamProcessor(_broker.Settings, options, new LengthMetadata()))
                using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
                {
                    processor.Run(monitor.Watch(new ProcessingRecorder()), timeout.Token);
                }
            } // the last heartbeat, and the status file, at the stop

            ProgramStatus status = ProgramStatus.TryRead(ProgramStatus.PathFor(statusDirectory, "xrd-" + mode))!;
            Assert.Equal(delivery, status.ResultDelivery.ToString());
            Assert.StartsWith(why, status.ResultDeliveryReason);
            Assert.Contains($"\"resultDelivery\": \"{delivery}\"", File.ReadAllText(ProgramStatus.PathFor(statusDirectory, "xrd-" + mode)));
            List<JsonElement> beats = _broker.ReadAllRaw(Heartbeats, expected: 2)
                .Where(b => Encoding.UTF8.GetString(b.Message.Key) == "xrd-" + mode + "_heartbeat")
                .Select(b => JsonDocument.Parse(b.Message.Value).RootElement).ToList();
            Assert.Equal(2, beats.Count);
            Assert.False(beats[0].TryGetProperty("result_delivery", out _));
            Assert.Equal(field, beats[1].GetProperty("result_delivery").GetString());
            Assert.StartsWith(why, beats[1].GetProperty("result_delivery_reason").GetString());
            // OpenMSIStream's fields are all still there, first.
            Assert.Equal(new[] { "timestamp", "n_messages_read", "n_messages_processed", "n_bytes_read", "n_bytes_processed", "n_messages_produced", "n_bytes_produced" },
                beats[1].EnumerateObject().Select(p => p.Name).Take(7));
            Assert.Equal(field, Heartbeat.Parse("xrd", Encoding.UTF8.GetBytes(beats[1].GetRawText()), Heartbeats, 0, 1, DateTimeOffset.UtcNow).ResultDelivery);
        }

        [Fact]
        public async Task TheResultProducersQueueDepthShowsResultsWaitingForTheBrokerUntilItAcknowledgesThem()
        {
            await Send(("a.csv", TestData.Bytes(100, 1)));
            var handler = new GatedResults(3);
            var options = new StreamProcessingOptions(Topic, "queue-depth")
            {
                StateDirectory = _temp.Combine("state-queue"),
                ResultTopic = Results,
                Count = 1,
                IdleTimeout = TimeSpan.FromSeconds(120),
            };
            var monitorOptions = new MonitorOptions { ProgramId = "xrd-queue", MetricsPort = 0, LogFile = "", StatusDirectory = _temp.Combine("status-queue") };
            using var monitor = new ProgramMonitor(_broker.Settings, monitorOptions, ProgramKind.Reproducer, "process", Topic);
            monitor.Start();
            using var processor = new StreamProcessor(_broker.Settings, options, handler);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            Task<ProcessingSummary> run = Task.Run(() => processor.Run(monitor.Watch(new ProcessingRecorder()), timeout.Token));
            using var http = new HttpClient();
            try
            {
                await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(90));
                Assert.Equal(0, (await Scrape(http, monitor.MetricsUrl!))[Series("result_producer_queue_depth")]);
                _broker.Broker.SetReachable(false); // the results cannot be acknowledged now
                handler.Release.SetResult(true);
                await EventuallyScraped(http, monitor.MetricsUrl!, Series("result_producer_queue_depth"), 3);
                Assert.Equal(0, (await Scrape(http, monitor.MetricsUrl!))[Series("files_processed_total")]);
            }
            finally
            {
                handler.Release.TrySetResult(true);
                _broker.Broker.SetReachable(true);
            }
            Assert.Equal(1, (await run.WaitAsync(TimeSpan.FromSeconds(120))).Processed);
            Dictionary<string, double> after = await EventuallyScraped(http, monitor.MetricsUrl!, Series("result_producer_queue_depth"), 0);
            Assert.Equal(1, after[Series("files_processed_total")]);
            Assert.Equal(3, after[Series("results_produced_total")]);
        }

        private static string Series(string name) => $"openmsistream_{name}{{program_id=\"xrd-queue\"}}";

        private static async Task<Dictionary<string, double>> Scrape(HttpClient http, Uri url) =>
            (await http.GetStringAsync(url)).Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#'))
                .ToDictionary(l => l.Substring(0, l.LastIndexOf(' ')), l => double.Parse(l.Substring(l.LastIndexOf(' ') + 1), CultureInfo.InvariantCulture));

        private static async Task<Dictionary<string, double>> EventuallyScraped(HttpClient http, Uri url, string series, double expected)
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(90);
            while (true)
            {
                Dictionary<string, double> samples = await Scrape(http, url);
                if (samples.TryGetValue(series, out double value) && value == expected)
                {
                    return samples;
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{series} never became {expected}; last scrape:\n" + string.Join("\n", samples.Select(s => $"{s.Key} {s.Value}")));
                }
                await Task.Delay(200);
            }
        }

        private async Task Send(params (string Name, byte[] Content)[] files)
        {
            string source = _temp.Combine("source");
            foreach ((string name, byte[] content) in files)
            {
                _temp.WriteFile(Path.Combine("source", name), content);
            }
            using var sender = new FileSender(_broker.Settings, new SendOptions(Topic) { ChunkSize = 4096 });
            sender.Connect(default);
            await Task.WhenAll(files.Select(f => sender.SendAsync(FileToSend.Create(Path.Combine(source, f.Name), source), null, default)));
        }

        /// <summary>Produces <c>count</c> results per file once the test lets it.</summary>
        private sealed class GatedResults : DataFileStreamReproducer
        {
            private readonly int _count;

            public GatedResults(int count) => _count = count;

            public TaskCompletionSource<bool> Started { get; } = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

            public TaskCompletionSource<bool> Release { get; } = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

            protected override async Task<IReadOnlyList<string>> GetResultMessagesAsync(ReceivedFile file, CancellationToken cancellationToken)
            {
                Started.TrySetResult(true);
                await Release.Task.WaitAsync(cancellationToken);
                return Enumerable.Range(1, _count).Select(i => $"{{\"file\":\"{file.Name}\",\"n\":{i}}}").ToList();
            }
        }

        private sealed class LengthMetadata : MetadataJsonReproducer
        {
            protected override Task<IDictionary<string, object?>> GetMetadataAsync(ReceivedFile file, CancellationToken cancellationToken)
            {
                if (file.Name == "broken.csv")
                {
                    throw new FormatException("no metadata block");
                }
                return Task.FromResult<IDictionary<string, object?>>(new Dictionary<string, object?> { ["name"] = file.Name, ["length"] = file.Length });
            }
        }
    }
}
