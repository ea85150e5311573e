using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using OpenMsiStream.Bench.Brokers;
using OpenMsiStream.Bench.Support;

namespace OpenMsiStream.Bench.Measurements
{
    /// <summary>Time from a file being closed in a watched directory to its verified copy appearing in the download directory.</summary>
    internal sealed record LatencyFigure(string Broker, int Files, int Lost, TimeSpan SettleTime, TimeSpan P50, TimeSpan P95, TimeSpan Max);

    internal static class WatchLatency
    {
        public static LatencyFigure Measure(IBenchBroker broker, string workDirectory, int count, TimeSpan settleTime)
        {
            string topic = "bench-latency-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string watched = Path.Combine(workDirectory, topic, "watched");
            string output = Path.Combine(workDirectory, topic, "out");
            Directory.CreateDirectory(watched);
            string cli = Cli.Executable();
            Topics.Create(broker, topic);
            using ChildProcess uploader = ChildProcess.Start(cli, new[]
            {
                "upload-directory", watched, "--topic", topic, "--config", broker.ConfigPath, "--settle-time", settleTime.TotalSeconds.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                "--state-directory", Path.Combine(workDirectory, topic, "state"),
            });
            using ChildProcess receiver = ChildProcess.Start(cli, new[] { "download-directory", output, "--topic", topic, "--config", broker.ConfigPath });
            receiver.WaitForStderr("receiving from topic", TimeSpan.FromSeconds(60), "the receiver");
            uploader.WaitForStderr("watching '", TimeSpan.FromSeconds(60), "the uploader");
            Thread.Sleep(3000); // the receiver has joined its group

            var clock = Stopwatch.StartNew();
            var closedAt = new TimeSpan[count];
            var appearedAt = new TimeSpan?[count];
            var files = new List<SourceFile>();
            var writer = new Thread(() =>
            {
                for (int i = 0; i < count; i++)
                {
                    files.Add(TestFiles.WriteOne(watched, $"f{i:000}.dat", i, 64 * 1024)); // closed when this returns
                    closedAt[i] = clock.Elapsed;
                    Thread.Sleep(100);
                }
            });
            writer.Start();
            TimeSpan deadline = TimeSpan.FromSeconds(count * 0.1 + 60);
            int seen = 0;
            while (seen < count && clock.Elapsed < deadline)
            {
                for (int i = 0; i < count; i++)
                {
                    if (appearedAt[i] == null && closedAt[i] != TimeSpan.Zero && File.Exists(Path.Combine(output, $"f{i:000}.dat")))
                    {
                        appearedAt[i] = clock.Elapsed;
                        seen++;
                    }
                }
                Thread.Sleep(5);
            }
            writer.Join();
            uploader.Terminate();
            receiver.Terminate();
            uploader.WaitForExit(TimeSpan.FromSeconds(90), "the uploader");
            receiver.WaitForExit(TimeSpan.FromSeconds(90), "the receiver");
            int verified = TestFiles.Verified(files, output).Count;
            List<TimeSpan> latencies = Enumerable.Range(0, count).Where(i => appearedAt[i] != null).Select(i => appearedAt[i]!.Value - closedAt[i]).OrderBy(t => t).ToList();
            TimeSpan Percentile(double p) => latencies.Count == 0 ? TimeSpan.MaxValue : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
            return new LatencyFigure(broker.Description, count, count - verified, settleTime, Percentile(0.50), Percentile(0.95), latencies.Count == 0 ? TimeSpan.MaxValue : latencies[^1]);
        }
    }
}
