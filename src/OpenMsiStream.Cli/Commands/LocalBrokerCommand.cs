using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Threading;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.LocalBroker;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary><c>openmsistream local-broker</c>: runs the embedded broker until Ctrl+C or SIGTERM.</summary>
    internal static class LocalBrokerCommand
    {
        public static Command Create()
        {
            var partitions = new Option<int>("--partitions") { Description = "partitions of the topics given with --topic (others get 4)", DefaultValueFactory = _ => 4 };
            var topics = new Option<string[]>("--topic") { Description = "topic to create at start (repeatable)", AllowMultipleArgumentsPerToken = true };
            var configOut = new Option<string?>("--config-out") { Description = "write an OpenMSIStream-format config file for this broker here" };
            var command = new Command("local-broker",
                "Run the embedded local Kafka broker (librdkafka's mock cluster) until Ctrl+C or SIGTERM. " +
                "In memory only, at most 5 MiB per partition: for trying the product and for tests.")
            {
                partitions,
                topics,
                configOut,
            };
            CommandRunner.SetAction(command, (parse, cancellationToken) =>
            {
                int partitionCount = parse.GetValue(partitions);
                if (partitionCount < 1 || partitionCount > 10000)
                {
                    throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                        $"--partitions must be between 1 and 10000 (got {partitionCount}).");
                }
                string[] named = parse.GetValue(topics) ?? Array.Empty<string>();
                if (named.Length == 0 && parse.GetResult(partitions) is { Implicit: false })
                {
                    CliConsole.Warning($"--partitions applies to the topics named with --topic; topics created on first use get {LocalKafkaBroker.AutoCreatedTopicPartitions} partitions (librdkafka's mock cluster cannot be told otherwise).");
                }
                string configPath = Path.GetFullPath(parse.GetValue(configOut) ?? Path.Combine(Path.GetTempPath(), $"openmsistream-local-broker-{Environment.ProcessId}.config"));
                using LocalKafkaBroker broker = LocalKafkaBroker.Start();
                var created = new List<string>();
                foreach (string topic in named)
                {
                    created.Add(broker.CreateTopic(topic, partitionCount)
                        ? $"Created topic '{topic}' with {partitionCount} partitions."
                        : $"Topic '{topic}' exists already{(broker.Topics.TryGetValue(topic, out int existing) ? $" with {existing} partition(s)" : string.Empty)}: a topic's KafkaCrypto key-exchange topics (.reqs, .keys, .subs) are created with it.");
                }
                broker.WriteConfigFile(configPath);
                // Nothing is printed before the topics and the config file exist: a script (or a second
                // terminal) that goes on at the first line finds everything it was told about.
                created.ForEach(CliConsole.Line);
                CliConsole.Line($"Embedded local broker listening on {broker.BootstrapServers}");
                CliConsole.Line($"Config file: {configPath}");
                CliConsole.Line("In memory only; each partition keeps at most 5 MiB (older messages are dropped). Stop with Ctrl+C.");
                cancellationToken.WaitHandle.WaitOne();
                CliConsole.Line("Embedded local broker stopped.");
                return ExitCodes.Success;
            });
            return command;
        }
    }
}
