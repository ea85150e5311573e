using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using OpenMsiStream.Bench.Brokers;
using OpenMsiStream.Bench.Support;

namespace OpenMsiStream.Bench.Measurements
{
    /// <summary>
    /// Peak memory against the number of files: a directory of small files (1 KiB, 1,000 per
    /// subdirectory, as an instrument's dated folders) sent by `upload-directory --upload-existing`
    /// and rebuilt by `download-directory`, both as long-running programs; the peak RSS of each.
    /// </summary>
    internal static class FileCountMemory
    {
        private const int FileSize = 1024;
        private const int PerDirectory = 1000;

        public static Figure Measure(IBenchBroker broker, string workDirectory, int count)
        {
            string topic = "bench-count-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string root = Path.Combine(workDirectory, topic);
            string source = Path.Combine(root, "source");
            string output = Path.Combine(root, "out");
            var files = new List<SourceFile>(count);
            for (int i = 0; i < count; i++)
            {
                files.Add(TestFiles.WriteOne(source, $"d{i / PerDirectory:000}/f{i:000000}.dat", i, FileSize));
            }
            Topics.Create(broker, topic);
            string cli = Cli.Executable();
            using ChildProcess receiver = ChildProcess.Start(cli, new[]
            {
                "download-directory", output, "--topic", topic, "--config", broker.ConfigPath, "--count", count.ToString(CultureInfo.InvariantCulture), "--idle-timeout", "120",
            });
            receiver.WaitForStderr("receiving from topic", TimeSpan.FromSeconds(60), "the receiver");
            var clock = Stopwatch.StartNew();
            using ChildProcess sender = ChildProcess.Start(cli, new[]
            {
                "upload-directory", source, "--topic", topic, "--config", broker.ConfigPath, "--upload-existing", "--settle-time", "0.5",
                "--state-directory", Path.Combine(root, "state"),
            });
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
            };
        }
    }
}
