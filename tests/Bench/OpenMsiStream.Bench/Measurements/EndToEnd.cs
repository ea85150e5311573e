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
    /// <summary>
    /// Send → broker → receive with the product as users run it: `openmsistream upload-file` and
    /// `openmsistream download-directory` in processes of their own, timed from the sender's start
    /// (the receiver is already waiting) until the receiver has rebuilt, verified and written the last
    /// file. Only copies whose SHA-512 this benchmark checks itself are counted.
    /// </summary>
    internal static class EndToEnd
    {
        private static readonly TimeSpan Bound = TimeSpan.FromMinutes(20);

        /// <param name="receiveAgain">
        /// Afterwards, a second receiver of a group of its own reads the same messages again, alone on the
        /// machine: its pace (first file to last) is the receiver's own, without the sender and the broker's
        /// intake competing for the cores. Shown in the note.
        /// </param>
        public static Figure Measure(string name, IBenchBroker broker, string workDirectory, IReadOnlyList<SourceFile> files, string sourceDirectory, bool receiveAgain = false)
        {
            string topic = "bench-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string output = Path.Combine(workDirectory, "out-" + topic);
            string cli = Cli.Executable();
            Topics.Create(broker, topic);
            using ChildProcess receiver = StartReceiver(broker, output, topic, files.Count);
            receiver.WaitForStderr("receiving from topic", TimeSpan.FromSeconds(60), "the receiver");
            Thread.Sleep(2000); // let it join its group

            // A list file rather than 10,000 arguments: @file is System.CommandLine's response file.
            string list = Path.Combine(workDirectory, topic + ".args");
            File.WriteAllLines(list, files.Select(f => Quote(f.FullPath)));
            var clock = Stopwatch.StartNew();
            TimeSpan receiverStartedBefore = receiver.SinceStart;
            using ChildProcess sender = ChildProcess.Start(cli, new[]
            {
                "upload-file", "@" + list, "--topic", topic, "--config", broker.ConfigPath, "--root-directory", sourceDirectory,
            });
            sender.WaitForExit(Bound, "the sender");
            TimeSpan sent = clock.Elapsed;
            receiver.WaitForExit(Bound, "the receiver");
            TimeSpan received = clock.Elapsed;
            if (sender.ExitCode != 0)
            {
                Console.Error.WriteLine($"{name}: the sender exited with {sender.ExitCode}:\n{ChildProcess.Tail(sender.Stderr)}");
            }
            if (receiver.ExitCode != 0)
            {
                Console.Error.WriteLine($"{name}: the receiver exited with {receiver.ExitCode}:\n{ChildProcess.Tail(receiver.Stderr)}");
            }
            List<SourceFile> verified = TestFiles.Verified(files, output);
            var figure = new Figure(name, broker.Description, verified.Sum(f => f.Length), verified.Count, received)
            {
                FilesLost = files.Count - verified.Count,
                SenderPeakRss = sender.PeakRssBytes,
                ReceiverPeakRss = receiver.PeakRssBytes,
                SenderCpu = sender.CpuTime,
                ReceiverCpu = receiver.CpuTime,
                SenderSystemCpu = sender.SystemCpuTime,
                ReceiverSystemCpu = receiver.SystemCpuTime,
                Note = $"sender done after {sent.TotalSeconds:0.0} s" + (receiver.LastStdoutLine is TimeSpan last
                    ? $", last file reported after {(last - receiverStartedBefore).TotalSeconds:0.0} s" : "")
                    + (receiveAgain ? "; " + ReceiveAlone(broker, workDirectory, topic, files) : ""),
            };
            return figure;
        }

        /// <summary>A second receiver reads the topic again with nothing else running: files per second from its first file reported to its last.</summary>
        private static string ReceiveAlone(IBenchBroker broker, string workDirectory, string topic, IReadOnlyList<SourceFile> files)
        {
            string output = Path.Combine(workDirectory, "again-" + topic);
            using ChildProcess receiver = StartReceiver(broker, output, topic, files.Count);
            receiver.WaitForExit(Bound, "the second receiver");
            int verified = TestFiles.Verified(files, output).Count;
            if (receiver.ExitCode != 0 || verified != files.Count || receiver.FirstStdoutLine is not TimeSpan first || receiver.LastStdoutLine is not TimeSpan last || last <= first)
            {
                return $"receiving again alone failed (exit {receiver.ExitCode}, {verified} of {files.Count} files)";
            }
            double perSecond = (receiver.StdoutLines - 1) / (last - first).TotalSeconds;
            return $"receiving the same again alone: {perSecond:0} files/s from first file to last, CPU {receiver.CpuTime.TotalSeconds:0.0} s (system {receiver.SystemCpuTime.TotalSeconds:0.0})";
        }

        /// <summary>`openmsistream download-directory` of <paramref name="topic"/> into <paramref name="output"/>, in a new group, until <paramref name="count"/> files are in.</summary>
        private static ChildProcess StartReceiver(IBenchBroker broker, string output, string topic, int count) =>
            ChildProcess.Start(Cli.Executable(), new[]
            {
                "download-directory", output, "--topic", topic, "--config", broker.ConfigPath, "--count", count.ToString(),
                "--idle-timeout", "120",
            });

        private static string Quote(string path) => path.Contains(' ') ? "\"" + path + "\"" : path;
    }
}
