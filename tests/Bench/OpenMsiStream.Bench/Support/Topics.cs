using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Bench.Brokers;

namespace OpenMsiStream.Bench.Support
{
    /// <summary>
    /// Creates a topic before a receiver subscribes to it. A consumer subscribed to a topic that does
    /// not exist yet finds it only at a later metadata refresh, which would put a variable wait into
    /// the timed part. Both brokers create topics on a metadata request (there is no Admin API on 0.9).
    /// </summary>
    internal static class Topics
    {
        public static void Create(IBenchBroker broker, string topic)
        {
            var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers };
            foreach (KeyValuePair<string, string> setting in broker.ClientSettings)
            {
                config.Set(setting.Key, setting.Value);
            }
            using IProducer<Null, byte[]> producer = new ProducerBuilder<Null, byte[]>(config).SetLogHandler((_, _) => { }).Build();
            using IAdminClient admin = new DependentAdminClientBuilder(producer.Handle).Build();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                try
                {
                    TopicMetadata? found = admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.FirstOrDefault(t => t.Topic == topic);
                    if (found != null && found.Error.Code == ErrorCode.NoError && found.Partitions.Count > 0 && found.Partitions.All(p => p.Leader >= 0))
                    {
                        return;
                    }
                }
                catch (KafkaException)
                {
                    // not yet
                }
                Thread.Sleep(200);
            }
            throw new TimeoutException($"Topic '{topic}' was not created within 30 s.");
        }
    }
}
