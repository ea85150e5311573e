using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary><c>openmsistream heartbeats</c>: what Receive-MsiHeartbeat does, one line per heartbeat.</summary>
    internal static class HeartbeatsCommand
    {
        public static Command Create()
        {
            var topic = new Argument<string>("topic") { Description = "the heartbeat topic" };
            var programId = new Option<string[]>("--program-id") { Description = "only these programs ('*' and '?' wildcards; repeatable)" };
            var latest = new Option<bool>("--latest") { Description = "the newest heartbeat of each program in the topic now, then stop" };
            var count = new Option<int?>("--count") { Description = "stop after this many heartbeats" };
            var idleTimeout = new Option<double?>("--idle-timeout") { Description = "stop when nothing arrived for this many seconds" };
            var broker = new BrokerOptions();
            var command = new Command("heartbeats", "Show the heartbeats long-running programs send to a topic (program id, time sent, age, counters).")
            {
                topic,
                programId,
                latest,
                count,
                idleTimeout,
            };
            broker.AddTo(command);
            CommandRunner.SetAction(command, (parse, cancellationToken) =>
            {
                Regex[] patterns = (parse.GetValue(programId) ?? Array.Empty<string>()).Select(Wildcard).ToArray();
                var options = new HeartbeatReadOptions(parse.GetValue(topic)!)
                {
                    ProgramFilter = patterns.Length == 0 ? null : id => patterns.Any(p => p.IsMatch(id)),
                    Count = parse.GetValue(count),
                    IdleTimeout = CliArguments.Seconds(parse.GetValue(idleTimeout), "--idle-timeout"),
                };
                var reader = new HeartbeatReader(broker.Resolve(parse), options, CliConsole.Diagnostics(verbose: false));
                int invalid = 0;
                void Invalid(Diagnostics.OpenMsiStreamException error)
                {
                    invalid++;
                    CliConsole.Error(error);
                }
                if (parse.GetValue(latest))
                {
                    foreach (Heartbeat heartbeat in reader.Latest(Invalid, cancellationToken))
                    {
                        CliConsole.Line(Describe(heartbeat));
                    }
                }
                else
                {
                    reader.Run(heartbeat => CliConsole.Line(Describe(heartbeat)), Invalid, cancellationToken);
                }
                return invalid == 0 ? ExitCodes.Success : ExitCodes.Failed;
            });
            return command;
        }

        private static Regex Wildcard(string pattern) =>
            new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private static string Describe(Heartbeat heartbeat)
        {
            string Count(string name, long? value) => value.HasValue ? $" {name}={value.Value.ToString(CultureInfo.InvariantCulture)}" : string.Empty;
            return $"{heartbeat.ProgramId}\t{MonitorMessages.Timestamp(heartbeat.Timestamp)}\tage {Math.Max(0, heartbeat.Age.TotalSeconds):0}s"
                + Count("read", heartbeat.MessagesRead) + Count("processed", heartbeat.MessagesProcessed)
                + Count("bytes_read", heartbeat.BytesRead) + Count("bytes_processed", heartbeat.BytesProcessed)
                + Count("produced", heartbeat.MessagesProduced) + Count("bytes_produced", heartbeat.BytesProduced)
                + Count("lag", heartbeat.ConsumerLag);
        }
    }
}
