using System;
using System.Diagnostics;
using System.IO;
using OpenMsiStream.Bench.Brokers;
using OpenMsiStream.Bench.Support;

namespace OpenMsiStream.Bench.Measurements
{
    /// <summary>
    /// Start-up: `openmsistream upload-file` of one 1 KiB file, from process start to exit (runtime start,
    /// JIT, config, connecting, one acknowledged message), beside a plain Confluent.Kafka producer process
    /// sending one 1 KiB message. The best of three of each.
    /// </summary>
    internal static class Startup
    {
        private const int Tries = 3;

        public static Figure Measure(IBenchBroker broker, string workDirectory)
        {
            string topic = "bench-start-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            Topics.Create(broker, topic);
            string directory = Path.Combine(workDirectory, topic);
            SourceFile file = TestFiles.WriteOne(directory, "one.dat", 1, 1024);
            TimeSpan best = TimeSpan.MaxValue, plain = TimeSpan.MaxValue;
            TimeSpan cpu = TimeSpan.Zero;
            for (int i = 0; i < Tries; i++)
            {
                plain = Min(plain, KafkaLimit.StartToExit(broker, topic));
                var clock = Stopwatch.StartNew();
                using ChildProcess sender = ChildProcess.Start(Cli.Executable(), new[] { "upload-file", file.FullPath, "--topic", topic, "--config", broker.ConfigPath });
                sender.WaitForExit(TimeSpan.FromMinutes(2), "upload-file");
                if (sender.ExitCode != 0)
                {
                    throw new InvalidOperationException("upload-file of one file failed:\n" + ChildProcess.Tail(sender.Stderr));
                }
                if (clock.Elapsed < best)
                {
                    best = clock.Elapsed;
                    cpu = sender.CpuTime;
                }
            }
            var bound = new Figure("a plain Confluent.Kafka producer process sending one 1 KiB message", broker.Description, 1024, 1, plain);
            return new Figure("Start-up: `openmsistream upload-file` of one 1 KiB file, process start to exit (best of 3)", broker.Description, 1024, 1, best)
            {
                SenderCpu = cpu,
                Bound = new Bound($"plain producer process: {plain.TotalSeconds:0.00} s", bound, InTime: true),
                Note = $"CPU {cpu.TotalSeconds:0.00} s",
            };
        }

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
    }
}
