using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using OpenMsiStream.Bench.Brokers;
using OpenMsiStream.Bench.Support;

namespace OpenMsiStream.Bench.Measurements
{
    /// <summary>
    /// Peak memory against the number of files a long-running pair has handled: `upload-directory`
    /// watching a directory and `download-directory` rebuilding it, while small files (1 KiB, 1,000 per
    /// subdirectory, as an instrument's dated folders) keep arriving, 1,000 at a time, a new thousand
    /// once all but one thousand have arrived; the peak RSS of each program. What a program holds per
    /// file it has handled shows as growth from one count to the next; the files waiting at any time
    /// stay the same.
    /// </summary>
    internal static class FileCountMemory
    {
        private const int FileSize = 1024;
        private const int Batch = 1000;

        public static Figure Measure(IBenchBroker broker, string workDirectory, int count)
        {
            string topic = "bench-count-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string root = Path.Combine(workDirectory, topic);
            string watched = Path.Combine(root, "watched");
            string output = Path.Combine(root, "out");
            Directory.CreateDirectory(watched);
            Topics.Create(broker, topic);
            string cli = Cli.Executable();
            using ChildProcess receiver = ChildProcess.Start(cli, new[]
            {
                "download-directory", output, "--topic", topic, "--config", broker.ConfigPath, "--count", count.ToString(CultureInfo.InvariantCulture), "--idle-timeout", "120",
            });
            using ChildProcess sender = ChildProcess.Start(cli, new[]
            {
                "upload-directory", watched, "--topic", topic, "--config", broker.ConfigPath, "--settle-time", "0.5",
                "--state-directory", Path.Combine(root, "state"),
            });
            receiver.WaitForStderr("receiving from topic", TimeSpan.FromSeconds(60), "the receiver");
            sender.WaitForStderr("watching '", TimeSpan.FromSeconds(60), "the directory uploader");
            var files = new List<SourceFile>(count);
            var clock = Stopwatch.StartNew();
            while (files.Count < count)
            {
                var waited = Stopwatch.StartNew();
                while (receiver.StdoutLines < files.Count - Batch)
                {
                    if (receiver.HasExited || sender.HasExited || waited.Elapsed > TimeSpan.FromMinutes(5))
                    {
                        throw new InvalidOperationException($"{count} files: {receiver.StdoutLines} of {files.Count} arrived, then nothing.\n{ChildProcess.Tail(sender.Stderr)}\n{ChildProcess.Tail(receiver.Stderr)}");
                    }
                    Thread.Sleep(20);
                }
                for (int i = files.Count, end = Math.Min(count, files.Count + Batch); i < end; i++)
                {
                    files.Add(TestFiles.WriteOne(watched, $"d{i / Batch:000}/f{i:000000}.dat", i, FileSize));
                }
            }
            receiver.WaitForExit(TimeSpan.FromMinutes(30), "the receiver");
            TimeSpan elapsed = clock.Elapsed;
            sender.Terminate();
            sender.WaitForExit(TimeSpan.FromSeconds(60), "the directory uploader");
            int verified = TestFiles.Verified(files, output).Count;
            return new Figure($"{count} files of 1 KiB", broker.Description, (long)verified * FileSize, verified, elapsed)
            {
                FilesLost = count - verified,
                SenderPeakRss = sender.PeakRssBytes,
                ReceiverPeakRss = receiver.PeakRssBytes,
                SenderCpu = sender.CpuTime,
                ReceiverCpu = receiver.CpuTime,
                SenderSystemCpu = sender.SystemCpuTime,
                ReceiverSystemCpu = receiver.SystemCpuTime,
            };
        }
    }
}
