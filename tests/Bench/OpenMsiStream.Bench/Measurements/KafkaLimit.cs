using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Bench.Brokers;
using OpenMsiStream.Bench.Support;

namespace OpenMsiStream.Bench.Measurements
{
    /// <summary>
    /// The bound for moving bytes: the plain Confluent.Kafka producer and consumer, each in a process of
    /// its own (this benchmark's executable run as `plain-produce` / `plain-consume`), moving the same
    /// bytes in 512 KiB messages, timed from the producer's start to the consumer's last byte, with the
    /// CPU time of each process. The product's sender and receiver are measured the same way.
    /// </summary>
    internal static class KafkaLimit
    {
        public const int MessageSize = 512 * 1024;

        /// <param name="onePartition">Everything to partition 0, as the product sends one file's chunks; otherwise spread over all partitions.</param>
        public static Figure Measure(IBenchBroker broker, long bytes, bool onePartition)
        {
            string topic = "bench-limit-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            int messages = (int)Math.Max(1, bytes / MessageSize);
            Topics.Create(broker, topic);
            using ChildProcess consumer = ChildProcess.Start(BenchExecutable.Path, BenchExecutable.Arguments(
                new[] { "plain-consume", "--topic", topic, "--bytes", ((long)messages * MessageSize).ToString(CultureInfo.InvariantCulture) }.Concat(Connection(broker))));
            consumer.WaitForStderr("ready", TimeSpan.FromSeconds(60), "the plain consumer");
            var clock = Stopwatch.StartNew();
            using ChildProcess producer = ChildProcess.Start(BenchExecutable.Path, BenchExecutable.Arguments(
                new[] { "plain-produce", "--topic", topic, "--messages", messages.ToString(CultureInfo.InvariantCulture), "--message-size", MessageSize.ToString(CultureInfo.InvariantCulture), "--partition", onePartition ? "0" : "-1" }.Concat(Connection(broker))));
            producer.WaitForExit(TimeSpan.FromMinutes(10), "the plain producer");
            consumer.WaitForExit(TimeSpan.FromMinutes(2), "the plain consumer");
            TimeSpan done = clock.Elapsed;
            if (producer.ExitCode != 0 || consumer.ExitCode != 0)
            {
                throw new InvalidOperationException($"The plain client failed (producer {producer.ExitCode}, consumer {consumer.ExitCode}):\n{ChildProcess.Tail(producer.Stderr)}\n{ChildProcess.Tail(consumer.Stderr)}");
            }
            string name = onePartition
                ? "Plain Confluent.Kafka, all to one partition (as one file's chunks go), 512 KiB messages"
                : "Plain Confluent.Kafka, spread over all partitions, 512 KiB messages";
            return new Figure(name, broker.Description, (long)messages * MessageSize, 0, done)
            {
                SenderCpu = producer.CpuTime,
                ReceiverCpu = consumer.CpuTime,
                SenderSystemCpu = producer.SystemCpuTime,
                ReceiverSystemCpu = consumer.SystemCpuTime,
                SenderPeakRss = producer.PeakRssBytes,
                ReceiverPeakRss = consumer.PeakRssBytes,
            };
        }

        /// <summary>Process start to exit of a plain producer sending one 1 KiB message: the start-up bound.</summary>
        public static TimeSpan StartToExit(IBenchBroker broker, string topic)
        {
            var clock = Stopwatch.StartNew();
            using ChildProcess producer = ChildProcess.Start(BenchExecutable.Path, BenchExecutable.Arguments(
                new[] { "plain-produce", "--topic", topic, "--messages", "1", "--message-size", "1024", "--partition", "-1" }.Concat(Connection(broker))));
            producer.WaitForExit(TimeSpan.FromMinutes(2), "the plain producer");
            return producer.ExitCode == 0 ? clock.Elapsed : throw new InvalidOperationException("The plain producer failed:\n" + ChildProcess.Tail(producer.Stderr));
        }

        private static IEnumerable<string> Connection(IBenchBroker broker) =>
            new[] { "--bootstrap", broker.BootstrapServers }.Concat(broker.ClientSettings.SelectMany(s => new[] { "--set", s.Key + "=" + s.Value }));

        /// <summary>`plain-produce`: runs in the child process.</summary>
        public static int Produce(string bootstrap, IReadOnlyList<string> settings, string topic, int messages, int messageSize, int partition)
        {
            byte[] value = new byte[messageSize];
            new Random(11).NextBytes(value);
            using IProducer<Null, byte[]> producer = new ProducerBuilder<Null, byte[]>(Config<ProducerConfig>(bootstrap, settings))
                .SetLogHandler((_, _) => { }).Build(); // an old broker's deprecation notices are noise here
            int failed = 0;
            Action<DeliveryReport<Null, byte[]>> onDelivery = report =>
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref failed);
                }
            };
            for (int i = 0; i < messages; i++)
            {
                while (true)
                {
                    try
                    {
                        var message = new Message<Null, byte[]> { Value = value };
                        if (partition >= 0)
                        {
                            producer.Produce(new TopicPartition(topic, new Partition(partition)), message, onDelivery);
                        }
                        else
                        {
                            producer.Produce(topic, message, onDelivery);
                        }
                        break;
                    }
                    catch (ProduceException<Null, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(10));
                    }
                }
            }
            int left = producer.Flush(TimeSpan.FromMinutes(5));
            return left == 0 && failed == 0 ? 0 : 1;
        }

        /// <summary>`plain-consume`: reads every partition of the topic from the start (no group) until <paramref name="bytes"/> arrived.</summary>
        public static int Consume(string bootstrap, IReadOnlyList<string> settings, string topic, long bytes)
        {
            var config = Config<ConsumerConfig>(bootstrap, settings);
            config.GroupId = "bench-plain-" + Guid.NewGuid().ToString("N"); // required by the client, never joined
            config.EnableAutoCommit = false;
            config.FetchMaxBytes = 52428800;
            config.MaxPartitionFetchBytes = 8388608; // as the product's receiver
            config.Set("fetch.queue.backoff.ms", "10"); // as the product's receiver
            using IConsumer<Ignore, byte[]> consumer = new ConsumerBuilder<Ignore, byte[]>(config).SetLogHandler((_, _) => { }).Build();
            int partitions;
            using (IAdminClient admin = new DependentAdminClientBuilder(consumer.Handle).Build())
            {
                partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(30)).Topics.Single(t => t.Topic == topic).Partitions.Count;
            }
            consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, new Partition(p), Offset.Beginning)));
            consumer.Consume(TimeSpan.FromMilliseconds(200)); // connected to the partitions' leader
            Console.Error.WriteLine("ready");
            long consumed = 0;
            var idle = Stopwatch.StartNew();
            while (consumed < bytes)
            {
                ConsumeResult<Ignore, byte[]>? result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result?.Message?.Value != null)
                {
                    consumed += result.Message.Value.Length;
                    idle.Restart();
                }
                else if (idle.Elapsed > TimeSpan.FromSeconds(60))
                {
                    Console.Error.WriteLine($"read {consumed} of {bytes} bytes; the rest never came (the embedded broker drops data beyond 5 MiB per partition)");
                    return 1;
                }
            }
            consumer.Close();
            return 0;
        }

        private static T Config<T>(string bootstrap, IReadOnlyList<string> settings) where T : ClientConfig, new()
        {
            var config = new T { BootstrapServers = bootstrap };
            foreach (string setting in settings)
            {
                string[] pair = setting.Split('=', 2);
                config.Set(pair[0], pair[1]);
            }
            return config;
        }
    }
}
