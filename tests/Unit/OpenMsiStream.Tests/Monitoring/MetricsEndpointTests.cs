using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Monitoring
{
    /// <summary>
    /// The Prometheus endpoint of the long-running programs, scraped over HTTP while real upload-directory
    /// and download-directory processes move files through the embedded broker.
    /// </summary>
    public sealed class MetricsEndpointTests : IDisposable
    {
        private const string Topic = "xrd";
        private const string Heartbeats = "heartbeats";
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);
        private static readonly Regex ServingLine = new Regex(@"serving metrics at (http://\S+)");
        private readonly TempDirectory _temp = new TempDirectory("metrics");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, Topic, Heartbeats);
        private readonly HttpClient _http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        public void Dispose()
        {
            _http.Dispose();
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task CountersOfBothEndsRiseToTheExactCountsWhileFilesFlowAndErrorsAreCountedById()
        {
            string watched = _temp.Combine("watched"), output = _temp.Combine("received"), home = _temp.Combine("home");
            Directory.CreateDirectory(watched);
            var environment = new Dictionary<string, string?> { ["OPENMSISTREAM_HOME"] = home, ["HOME"] = home, ["XDG_DATA_HOME"] = home };
            string servers = _broker.Broker.BootstrapServers;
            using CliProcess uploader = CliProcess.StartWith(environment, "upload-directory", watched, "--topic", Topic, "--bootstrap-servers", servers,
                "--settle-time", "0.3", "--chunk-size", "65536", "--program-id", "xrd-upload", "--metrics-port", "0");
            using CliProcess downloader = CliProcess.StartWith(environment, "download-directory", output, "--topic", Topic, "--bootstrap-servers", servers,
                "--group-id", "archive", "--program-id", "xrd-archive", "--heartbeat-topic", Heartbeats, "--heartbeat-interval", "1", "--metrics-port", "0");
            await uploader.WaitUntilAsync(() => uploader.Stderr.Contains("watching"), Long, "the uploader to start");
            await downloader.WaitUntilAsync(() => downloader.Stderr.Contains("receiving from"), Long, "the downloader to start");
            Uri up = MetricsUrl(uploader), down = MetricsUrl(downloader);
            Assert.Equal(IPAddress.Loopback.ToString(), up.Host); // loopback unless another address is asked for

            Dictionary<string, double> before = await Scrape(up);
            Assert.Equal(0, before[Up("files_sent_total")]); // the series exist from the start
            Assert.Equal(0, (await Scrape(down))[Down("files_received_total")]);

            // First batch: 3 files, 1 + 3 + 1 chunks of 64 KiB.
            var first = new[] { ("a.dat", TestData.Bytes(40_000, 1)), ("run 2/b ü.dat", TestData.Bytes(150_000, 2)), ("c.txt", TestData.Bytes(10, 3)) };
            Write(watched, first);
            await downloader.WaitUntilAsync(() => Count(downloader.Stdout, "received ") == 3, Long, "the first files to arrive\n" + uploader.Stderr);
            await Eventually(up, Up("files_sent_total"), 3);
            Dictionary<string, double> sent = await Scrape(up);
            Assert.Equal(5, sent[Up("chunks_sent_total")]);
            Assert.Equal(150_010 + 40_000, sent[Up("bytes_sent_total")]);
            Assert.Equal(0, sent[Up("producer_queue_depth")]);
            Assert.Equal(0, sent[Up("files_failed_total")]);
            // Messages read are reported with the receiver's progress (every 0.1 s), files as they complete.
            Dictionary<string, double> received = await Eventually(down, Down("chunks_received_total"), 5);
            Assert.Equal(3, received[Down("files_received_total")]);
            Assert.Equal(0, received[Down("files_in_progress")]);

            // Second batch, while both keep running: the counters go on from where they were.
            var second = new[] { ("d.dat", TestData.Bytes(70_000, 4)), ("e.dat", TestData.Bytes(1, 5)) };
            Write(watched, second);
            await downloader.WaitUntilAsync(() => Count(downloader.Stdout, "received ") == 5, Long, "the second files to arrive");
            sent = await Eventually(up, Up("files_sent_total"), 5);
            Assert.Equal(8, sent[Up("chunks_sent_total")]);
            Assert.Equal(190_010 + 70_001, sent[Up("bytes_sent_total")]);
            double deliveredAt = sent[Up("last_delivery_timestamp_seconds")];
            Assert.InRange(deliveredAt, DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
            received = await Eventually(down, Down("chunks_received_total"), 8);
            Assert.Equal(5, received[Down("files_received_total")]);
            // The lag comes from the receiver's own statistics (every 5 s): nothing left to read.
            await Eventually(down, Down("consumer_lag"), 0);

            // A message that is not a chunk: counted by its error id, and the receiver goes on.
            _broker.ProduceRaw(Topic, new[] { (Encoding.UTF8.GetBytes("junk"), new byte[] { 0xc1, 0x00 }) });
            await Eventually(down, Down("errors_total", "error_id=\"UndecodableMessage\""), 1);
            received = await Eventually(down, Down("chunks_received_total"), 9);
            Assert.Equal(5, received[Down("files_received_total")]);

            // The heartbeats and the status file carry the same lag.
            ProgramStatus status = await EventuallyStatus(Path.Combine(home, "status", "xrd-archive.json"), s => s.ConsumerLag == 0 && s.Errors == 1);
            Assert.Equal(down.ToString(), status.MetricsUrl);
            List<JsonElement> beats = _broker.ReadAllRaw(Heartbeats, expected: 2).Select(b => JsonDocument.Parse(b.Message.Value).RootElement).ToList();
            Assert.Contains(beats, b => b.TryGetProperty("consumer_lag", out JsonElement lag) && lag.GetInt64() == 0);

            uploader.Terminate();
            downloader.Terminate();
            await uploader.WaitAsync(Long);
            await downloader.WaitAsync(Long);
            Assert.Equal(0, uploader.ExitCode);
            Assert.Equal(1, downloader.ExitCode); // it reported an error (the junk message)
        }

        [Fact]
        public async Task APortInUseFailsTheProgramBeforeItStartsWithMetricsPortInUse()
        {
            using var taken = new TcpListener(IPAddress.Loopback, 0);
            taken.Start();
            int port = ((IPEndPoint)taken.LocalEndpoint).Port;
            var error = Assert.Throws<OpenMsiStreamException>(() =>
                new ProgramMonitor(null, new MonitorOptions { MetricsPort = port, LogFile = "", StatusDirectory = _temp.Combine("status") }, ProgramKind.Uploader, "upload-directory", Topic));
            Assert.Equal(ErrorIds.MetricsPortInUse, error.ErrorId);
            Assert.Contains($"127.0.0.1:{port}", error.Message);

            string home = _temp.Combine("home");
            using CliProcess cli = await CliProcess.RunWithAsync(new Dictionary<string, string?> { ["OPENMSISTREAM_HOME"] = home }, Long,
                "download-directory", _temp.Combine("out"), "--topic", Topic, "--bootstrap-servers", _broker.Broker.BootstrapServers, "--metrics-port", port.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(1, cli.ExitCode);
            Assert.Contains($"error MetricsPortInUse: Cannot serve metrics on 127.0.0.1:{port}: another program is already listening", cli.Stderr);
            Assert.False(Directory.Exists(_temp.Combine("out")) && Directory.EnumerateFileSystemEntries(_temp.Combine("out")).Any());
        }

        [Theory]
        [InlineData("--metrics-port=70000", "70000 is not a TCP port for the metrics: use 1 to 65535 (or 0 for one the system picks).")]
        [InlineData("--metrics-address=0.0.0.0", "--metrics-address needs --metrics-port: the port to serve the metrics on.")]
        [InlineData("--metrics-address=lab-pc", "'lab-pc' is not an address to serve metrics on: give an IP address of this computer (127.0.0.1, the default; 0.0.0.0 for all addresses) or localhost.")]
        public async Task BadMetricsOptionsStopTheCommandWithInvalidArgument(string option, string message)
        {
            string home = _temp.Combine("home");
            var arguments = new List<string> { "upload-directory", _temp.Path, "--topic", Topic, "--bootstrap-servers", _broker.Broker.BootstrapServers, option };
            if (option.StartsWith("--metrics-address=lab", StringComparison.Ordinal))
            {
                arguments.Add("--metrics-port=0");
            }
            using CliProcess cli = await CliProcess.RunWithAsync(new Dictionary<string, string?> { ["OPENMSISTREAM_HOME"] = home }, Long, arguments.ToArray());
            Assert.Equal(2, cli.ExitCode);
            Assert.Contains("error InvalidArgument: " + message, cli.Stderr);
        }

        [Fact]
        public async Task TheEndpointAnswersGetAndHeadOnMetricsOnlyInThePrometheusTextFormat()
        {
            using var monitor = new ProgramMonitor(null, new MonitorOptions { MetricsPort = 0, LogFile = "", StatusDirectory = _temp.Combine("status"), ProgramId = "lab pc \"7\"" },
                ProgramKind.Processor, "download-directory", Topic);
            monitor.Watch(new RecordingObserver());
            monitor.Start(); // writes the status file
            Uri url = monitor.MetricsUrl!;

            using HttpResponseMessage get = await _http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", get.Content.Headers.ContentType!.ToString());
            string body = await get.Content.ReadAsStringAsync();
            Assert.Contains("# TYPE openmsistream_files_received_total counter", body);
            Assert.Contains("openmsistream_files_received_total{program_id=\"lab pc \\\"7\\\"\"} 0", body); // label values escaped by prometheus-net
            Assert.DoesNotContain("files_sent", body); // a receiver has no sending series

            using HttpResponseMessage head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
            using HttpResponseMessage other = await _http.GetAsync(new Uri(url, "/other"));
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            using HttpResponseMessage post = await _http.PostAsync(url, new StringContent("x"));
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
            Assert.Equal(url.ToString(), ProgramStatusMetricsUrl());

            monitor.Dispose();
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => _http.GetAsync(url)); // the port is closed with the program
        }

        private string? ProgramStatusMetricsUrl()
        {
            string file = Directory.EnumerateFiles(_temp.Combine("status")).Single();
            return ProgramStatus.TryRead(file)?.MetricsUrl;
        }

        private static string Up(string name, string? label = null) => Series(name, "xrd-upload", label);

        private static string Down(string name, string? label = null) => Series(name, "xrd-archive", label);

        private static string Series(string name, string program, string? label) =>
            $"openmsistream_{name}{{program_id=\"{program}\"{(label == null ? "" : "," + label)}}}";

        private static Uri MetricsUrl(CliProcess process) => new Uri(ServingLine.Match(process.Stderr).Groups[1].Value);

        private static int Count(string text, string prefix) => text.Split('\n').Count(l => l.StartsWith(prefix, StringComparison.Ordinal));

        private static void Write(string directory, (string Name, byte[] Content)[] files)
        {
            foreach ((string name, byte[] content) in files)
            {
                string path = Path.Combine(directory, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, content);
            }
        }

        /// <summary>Every sample of a scrape, by series ("name{labels}").</summary>
        private async Task<Dictionary<string, double>> Scrape(Uri url)
        {
            string text = await _http.GetStringAsync(url);
            var samples = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (string line in text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')))
            {
                int space = line.LastIndexOf(' ');
                samples[line.Substring(0, space)] = double.Parse(line.Substring(space + 1), CultureInfo.InvariantCulture);
            }
            return samples;
        }

        /// <summary>Scrapes until the series has the value (counters reach it as deliveries are reported), then returns that scrape.</summary>
        private async Task<Dictionary<string, double>> Eventually(Uri url, string series, double expected)
        {
            DateTime deadline = DateTime.UtcNow + Long;
            Dictionary<string, double> samples;
            while (true)
            {
                samples = await Scrape(url);
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

        private static async Task<ProgramStatus> EventuallyStatus(string path, Func<ProgramStatus, bool> condition)
        {
            DateTime deadline = DateTime.UtcNow + Long;
            while (true)
            {
                ProgramStatus? status = ProgramStatus.TryRead(path);
                if (status != null && condition(status))
                {
                    return status;
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("The status file never showed it: " + (status == null ? "none" : File.ReadAllText(path)));
                }
                await Task.Delay(200);
            }
        }
    }
}
