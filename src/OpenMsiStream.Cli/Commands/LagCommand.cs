using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Inspection;
using Spectre.Console;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary><c>openmsistream lag</c>: what Get-MsiConsumerLag does, as a table.</summary>
    internal static class LagCommand
    {
        public static Command Create()
        {
            var topic = new Argument<string>("topic") { Description = "the topic whose consumers' backlog to measure" };
            var groupId = new Option<string[]>("--group-id") { Description = "the consumer group (repeatable; default: every group with offsets on the topic, which the embedded broker cannot list)" };
            var maxScan = new Option<int>("--max-scan-messages") { Description = "messages of each partition's backlog read to size it and count its files; beyond that the bytes are estimated (~)", DefaultValueFactory = _ => new LagOptions("-").MaxScanMessages };
            var verbose = CommandRunner.Verbose();
            var broker = new BrokerOptions();
            var command = new Command("lag", "Show how far consumer groups are behind on a topic: per partition the committed and end offsets, the lag in messages and bytes, and the files not yet complete. Joins no group and commits nothing.")
            {
                topic,
                groupId,
                maxScan,
                verbose,
            };
            broker.AddTo(command);
            CommandRunner.SetAction(command, (parse, cancellationToken) =>
            {
                string name = parse.GetValue(topic)!;
                string[] groups = parse.GetValue(groupId) ?? Array.Empty<string>();
                int scan = CliArguments.Positive(parse.GetValue(maxScan), "--max-scan-messages");
                var settings = broker.Resolve(parse);
                var lags = new List<PartitionLag>();
                foreach (string? group in groups.Length == 0 ? new string?[] { null } : groups)
                {
                    var options = new LagOptions(name) { GroupId = group, MaxScanMessages = scan };
                    lags.AddRange(ConsumerLag.Measure(settings, options, CliConsole.Diagnostics(parse.GetValue(verbose)), cancellationToken));
                }
                if (lags.Count == 0)
                {
                    CliConsole.Line(ConsumerLag.DescribeNoGroups(name));
                    return ExitCodes.Success;
                }
                CliConsole.Write(Table(lags));
                foreach (IGrouping<string, PartitionLag> group in lags.GroupBy(l => l.GroupId))
                {
                    CliConsole.Line(ConsumerLag.Describe(group.ToList()));
                }
                return ExitCodes.Success;
            });
            return command;
        }

        private static Table Table(IEnumerable<PartitionLag> lags)
        {
            var table = new Table()
                .AddColumn(new TableColumn("Group"))
                .AddColumn(new TableColumn("Partition").RightAligned())
                .AddColumn(new TableColumn("Committed").RightAligned())
                .AddColumn(new TableColumn("End").RightAligned())
                .AddColumn(new TableColumn("Lag").RightAligned())
                .AddColumn(new TableColumn("Bytes").RightAligned())
                .AddColumn(new TableColumn("Incomplete files").RightAligned());
            foreach (PartitionLag lag in lags)
            {
                table.AddRow(
                    CliConsole.Cell(lag.GroupId),
                    CliConsole.Cell(Number(lag.Partition)),
                    CliConsole.Cell(lag.Committed.HasValue ? Number(lag.Committed.Value) : "-"),
                    CliConsole.Cell(Number(lag.End)),
                    CliConsole.Cell(Number(lag.Lag)),
                    CliConsole.Cell((lag.BytesEstimated ? "~" : string.Empty) + ByteSize.Format(lag.LagBytes)),
                    CliConsole.Cell(Number(lag.IncompleteFiles) + (lag.BytesEstimated ? "+" : string.Empty)));
            }
            return table;
        }

        private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
