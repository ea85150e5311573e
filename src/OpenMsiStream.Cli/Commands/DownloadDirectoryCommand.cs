using System;
using System.CommandLine;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Config;
using OpenMsiStream.Download;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary><c>openmsistream download-directory</c>: rebuilds files from a topic into a directory.</summary>
    internal static class DownloadDirectoryCommand
    {
        public static Command Create()
        {
            var directory = new Argument<string>("directory") { Description = "directory to rebuild files in (created if missing)" };
            var topic = new Option<string>("--topic") { Description = "topic to consume", Required = true };
            var groupId = new Option<string?>("--group-id") { Description = "consumer group; give a fixed one to resume where the last run stopped (default: a new group that reads the topic from the beginning)" };
            var count = new Option<int?>("--count") { Description = "stop after this many files" };
            var idleTimeout = new Option<double?>("--idle-timeout") { Description = "stop when no message arrived for this many seconds" };
            var filter = new Option<string?>("--filter") { Description = "regular expression on the relative path (POSIX separators); other files are skipped" };
            var maxFiles = new Option<int>("--max-files-in-progress") { Description = "most files in progress at once; beyond it the one that waited longest for its next chunk is given up (IncompleteFileAbandoned)", DefaultValueFactory = _ => Defaults.MaxFilesInProgress };
            var maxBytes = new Option<long>("--max-bytes-in-progress") { Description = "most bytes held by files in progress; beyond it, as --max-files-in-progress", DefaultValueFactory = _ => Defaults.MaxBytesInProgress };
            var verbose = CommandRunner.Verbose();
            var broker = new BrokerOptions();
            var monitoring = new MonitorCliOptions();
            var decryption = new DecryptionCliOptions();
            var command = new Command("download-directory", "Rebuild and verify files from a topic into a directory, one line per file, until --count, --idle-timeout, Ctrl+C or SIGTERM.")
            {
                directory,
                topic,
                groupId,
                count,
                idleTimeout,
                filter,
                maxFiles,
                maxBytes,
                verbose,
            };
            broker.AddTo(command);
            monitoring.AddTo(command);
            decryption.AddTo(command);
            CommandRunner.SetAction(command, (parse, cancellationToken) =>
            {
                var options = new ReceiveOptions(parse.GetValue(topic)!)
                {
                    OutputDirectory = parse.GetValue(directory),
                    GroupId = parse.GetValue(groupId),
                    Count = parse.GetValue(count) is int files ? CliArguments.Positive(files, "--count") : (int?)null,
                    IdleTimeout = CliArguments.Seconds(parse.GetValue(idleTimeout), "--idle-timeout"),
                    Filter = CliArguments.Regex(parse.GetValue(filter), "--filter"),
                    MaxFilesInProgress = CliArguments.Positive(parse.GetValue(maxFiles), "--max-files-in-progress"),
                    MaxBytesInProgress = CliArguments.Positive(parse.GetValue(maxBytes), "--max-bytes-in-progress")!.Value,
                    Decryption = decryption.Resolve(parse),
                };
                KafkaSettings settings = broker.Resolve(parse);
                ClientDiagnostics diagnostics = CliConsole.Diagnostics(parse.GetValue(verbose));
                return monitoring.Run(parse, settings, diagnostics, ProgramKind.Processor, "download-directory", options.Topic, monitor =>
                {
                    options.ProgramId = monitor?.ProgramId; // a monitored receiver is a static member of its group
                    using var receiver = new FileReceiver(settings, options, diagnostics);
                    CliConsole.ErrorLine($"receiving from topic '{options.Topic}' as consumer group '{receiver.GroupId}'");
                    IReceiveObserver observer = new ConsoleObserver();
                    ReceiveSummary summary = receiver.Run(monitor?.Watch(observer) ?? observer, cancellationToken);
                    if (summary.StopReason == ReceiveStopReason.Cancelled && summary.DescribeIncomplete(receiver.Resumable, options.OutputDirectory) is string incomplete)
                    {
                        CliConsole.Warning(incomplete); // stopped by Ctrl+C or SIGTERM: say what becomes of the files left
                    }
                    CliConsole.ErrorLine($"{summary.FilesReceived} files received, {summary.Errors} errors, {summary.Messages} messages in {summary.Elapsed.TotalSeconds:0.0} s ({summary.StopReason}).");
                    return summary.Errors == 0 ? ExitCodes.Success : ExitCodes.Failed;
                });
            });
            return command;
        }

        private sealed class ConsoleObserver : IReceiveObserver
        {
            public void FileReceived(ReceivedFile file) =>
                CliConsole.Line($"received {file.RelativePath} ({ByteSize.Format(file.Length)}, {file.ChunkCount} chunks) sha512 {file.Sha512}"
                    + (file.Metadata.Count > 0 ? " metadata " + Wire.FileMetadata.ToJson(file.Metadata) : string.Empty));

            public void Error(OpenMsiStreamException error) => CliConsole.Error(error);

            public void Warning(string message) => CliConsole.Warning(message);

            public void Progress(ReceiveProgress progress)
            {
            }
        }
    }
}
