using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Inspection;
using Spectre.Console;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary><c>openmsistream files</c>: what Get-MsiTopicFile does, as a table and a summary line.</summary>
    internal static class FilesCommand
    {
        public static Command Create()
        {
            var topic = new Argument<string>("topic") { Description = "the topic to take stock of" };
            var filter = new Option<string?>("--filter") { Description = "regular expression on the relative path (POSIX separators); only matching files are listed" };
            var verbose = CommandRunner.Verbose();
            var broker = new BrokerOptions();
            var command = new Command("files", "List every file on a topic: relative path, size, chunks present of total, versions, partition, first and last offset, complete or not; then a summary line. "
                + "Reads what the topic holds now, joins no group and writes nothing; decrypts with the KafkaCrypto node the config names.")
            {
                topic,
                filter,
                verbose,
            };
            broker.AddTo(command);
            CommandRunner.SetAction(command, (parse, cancellationToken) =>
            {
                var options = new TopicInventoryOptions(parse.GetValue(topic)!) { Filter = CliArguments.Regex(parse.GetValue(filter), "--filter") };
                var settings = broker.Resolve(parse);
                (IReadOnlyList<TopicFile> files, TopicInventorySummary summary) = TopicInventory.Take(settings, options, CliConsole.Diagnostics(parse.GetValue(verbose)), cancellationToken);
                if (files.Count > 0)
                {
                    CliConsole.Write(Table(files));
                }
                CliConsole.Line(summary.ToString());
                return ExitCodes.Success;
            });
            return command;
        }

        private static Table Table(IEnumerable<TopicFile> files)
        {
            var table = new Table()
                .AddColumn(new TableColumn("File"))
                .AddColumn(new TableColumn("Size").RightAligned())
                .AddColumn(new TableColumn("Chunks").RightAligned())
                .AddColumn(new TableColumn("Versions").RightAligned())
                .AddColumn(new TableColumn("Partition").RightAligned())
                .AddColumn(new TableColumn("First").RightAligned())
                .AddColumn(new TableColumn("Last").RightAligned())
                .AddColumn(new TableColumn("Complete"));
            foreach (TopicFile file in files)
            {
                table.AddRow(
                    CliConsole.Cell(file.RelativePath),
                    CliConsole.Cell(file.Length.HasValue ? ByteSize.Format(file.Length.Value) : "?"),
                    CliConsole.Cell($"{Number(file.ChunksPresent)}/{Number(file.TotalChunks)}"),
                    CliConsole.Cell(Number(file.Versions.Count)),
                    CliConsole.Cell(file.Partition >= 0 ? Number(file.Partition) : "several"),
                    CliConsole.Cell(Number(file.FirstOffset)),
                    CliConsole.Cell(Number(file.LastOffset)),
                    CliConsole.Cell(file.Complete ? "yes" : "no"));
            }
            return table;
        }

        private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
