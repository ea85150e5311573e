using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Bench.Brokers;

namespace OpenMsiStream.Bench.Measurements
{
    /// <summary>
    /// The limit: the plain Confluent.Kafka producer and a consumer reading at the same time, moving
    /// the same bytes in 512 KiB messages, from the first send to the last byte consumed.
    /// </summary>
    internal static class KafkaLimit
    {
        private const int MessageSize = 512 * 1024;

        /// <param name="onePartition">Everything to partition 0, as the product sends one file: the bound for a single large file.</param>
        public static Figure Measure(IBenchBroker broker, long bytes, bool onePartition = false)
        {
            string topic = "bench-limit-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            int messages = (int)Math.Max(1, bytes / MessageSize);
            byte[] value = new byte[MessageSize];
            new Random(11).NextBytes(value);

            using IProducer<Null, byte[]> producer = new ProducerBuilder<Null, byte[]>(Config<ProducerConfig>(broker)).SetLogHandler((_, _) => { }).Build(); // an old broker's deprecation notices are noise here
            producer.Produce(topic, new Message<Null, byte[]> { Value = value }); // creates the topic
            producer.Flush(TimeSpan.FromSeconds(60));

            var consumerConfig = Config<ConsumerConfig>(broker);
            consumerConfig.GroupId = "bench-limit-" + Guid.NewGuid().ToString("N");
            consumerConfig.AutoOffsetReset = AutoOffsetReset.Earliest;
            consumerConfig.EnableAutoCommit = false;
            consumerConfig.FetchMaxBytes = 52428800;
            consumerConfig.MaxPartitionFetchBytes = 10485760;
            long consumed = 0;
            var assigned = new ManualResetEventSlim();
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            var clock = new Stopwatch();
            TimeSpan done = TimeSpan.Zero;
            var reader = new Thread(() =>
            {
                using IConsumer<Ignore, byte[]> consumer = new ConsumerBuilder<Ignore, byte[]>(consumerConfig)
                    .SetLogHandler((_, _) => { }).SetPartitionsAssignedHandler((_, _) => assigned.Set()).Build();
                consumer.Subscribe(topic);
                long target = (long)(messages + 1) * MessageSize;
                while (consumed < target && !stop.IsCancellationRequested)
                {
                    ConsumeResult<Ignore, byte[]>? result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                    if (result?.Message != null)
                    {
                        consumed += result.Message.Value.Length;
                    }
                }
                done = clock.Elapsed;
                consumer.Close();
            });
            reader.Start();
            if (!assigned.Wait(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException("The limit's consumer got no partitions within 60 s.");
            }
            clock.Start();
            for (int i = 0; i < messages; i++)
            {
                while (true)
                {
                    try
                    {
                        if (onePartition)
                        {
                            producer.Produce(new TopicPartition(topic, new Partition(0)), new Message<Null, byte[]> { Value = value });
                        }
                        else
                        {
                            producer.Produce(topic, new Message<Null, byte[]> { Value = value });
                        }
                        break;
                    }
                    catch (ProduceException<Null, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(10));
                    }
                }
            }
            producer.Flush(TimeSpan.FromMinutes(5));
            if (!reader.Join(TimeSpan.FromSeconds(60)))
            {
                stop.Cancel();
                reader.Join();
                throw new InvalidOperationException(
                    $"The limit's consumer read {consumed} of {(long)(messages + 1) * MessageSize} bytes; the rest never came (the embedded broker drops data beyond 5 MiB per partition).");
            }
            string name = onePartition
                ? "Plain Confluent.Kafka, all to one partition (as one file's chunks go)"
                : "Limit: plain Confluent.Kafka produce + concurrent consume, 512 KiB messages";
            return new Figure(name, broker.Description, (long)messages * MessageSize, 0, done);
        }

        private static T Config<T>(IBenchBroker broker) where T : ClientConfig, new()
        {
            var config = new T { BootstrapServers = broker.BootstrapServers };
            foreach (KeyValuePair<string, string> setting in broker.ClientSettings)
            {
                config.Set(setting.Key, setting.Value);
            }
            return config;
        }
    }
}
