using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
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
            string config = _temp.Combine("short-session.config");
            File.WriteAllText(config, $"[broker]\nbootstrap.servers = {_broker.Broker.BootstrapServers}\n[consumer]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 1000\n");
            KafkaSettings settings = KafkaSettings.FromFile(config);
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
