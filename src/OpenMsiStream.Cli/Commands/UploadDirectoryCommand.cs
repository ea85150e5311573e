using System;
using System.CommandLine;
using System.Threading;
using OpenMsiStream.Chunks;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Upload;
using OpenMsiStream.UploadDirectory;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary><c>openmsistream upload-directory</c>: watch a directory and send every new or changed file, until stopped.</summary>
    internal static class UploadDirectoryCommand
    {
        public static Command Create()
        {
            var directory = new Argument<string>("directory") { Description = "directory to watch (recursively)" };
            var topic = new Option<string>("--topic") { Description = "topic to produce to", Required = true };
            var stateDirectory = new Option<string?>("--state-directory") { Description = "where the upload registry lives (default: <home>/uploads/<name>-<hash>, one folder per watched directory; <home> is $OPENMSISTREAM_HOME, else per-user application data)" };
            var settleTime = new Option<double>("--settle-time") { Description = "seconds a file's size and mtime must stay unchanged before it is sent", DefaultValueFactory = _ => 3 };
            var polling = new Option<bool>("--polling") { Description = "rely on periodic scans only (for shares where file-system events are lost)" };
            var scanInterval = new Option<double?>("--scan-interval") { Description = "seconds between full scans (default 30, or 5 with --polling)" };
            var include = new Option<string[]>("--include") { Description = "only files matching this glob ('*' within a name, '**' across directories; repeatable)", AllowMultipleArgumentsPerToken = true };
            var exclude = new Option<string[]>("--exclude") { Description = "skip files matching this glob (repeatable)", AllowMultipleArgumentsPerToken = true };
            var filter = new Option<string?>("--filter") { Description = "only files whose relative path (with '/') matches this regular expression" };
            var includeHidden = new Option<bool>("--include-hidden") { Description = "also send hidden files (names starting with '.')" };
            var uploadExisting = new Option<bool>("--upload-existing") { Description = "send the files already there the first time this directory is watched" };
            var chunkSize = new Option<int>("--chunk-size") { Description = "bytes per chunk, a power of two", DefaultValueFactory = _ => ChunkSizeRules.Default };
            var maxRate = new Option<long?>("--max-rate") { Description = "at most this many bytes per second" };
            var metadataSidecar = new Option<bool>("--metadata-sidecar") { Description = "send <name>.metadata.json beside a file as that file's metadata (a JSON object of strings), never as a file of its own" };
            var duration = new Option<double?>("--duration") { Description = "stop after this many seconds (default: run until Ctrl+C or SIGTERM)" };
            var verbose = CommandRunner.Verbose();
            var broker = new BrokerOptions();
            var monitoring = new MonitorCliOptions();
            var command = new Command("upload-directory",
                "Watch a directory and send every new or changed file to a topic, recording each acknowledged chunk so that a restart resumes where it stopped. Runs until Ctrl+C, SIGTERM or --duration.")
            {
                directory, topic, stateDirectory, settleTime, polling, scanInterval, include, exclude, filter, includeHidden, uploadExisting, metadataSidecar, chunkSize, maxRate, duration, verbose,
            };
            broker.AddTo(command);
            monitoring.AddTo(command);
            CommandRunner.SetAction(command, (parse, cancellationToken) =>
            {
                TimeSpan? runFor = CliArguments.Seconds(parse.GetValue(duration), "--duration");
                var options = new UploadDirectoryOptions(parse.GetValue(directory)!, parse.GetValue(topic)!)
                {
                    StateDirectory = parse.GetValue(stateDirectory),
                    SettleTime = CliArguments.NonNegativeSeconds(parse.GetValue(settleTime), "--settle-time"),
                    PollingOnly = parse.GetValue(polling),
                    ScanInterval = CliArguments.Seconds(parse.GetValue(scanInterval), "--scan-interval"),
                    Filter = CliArguments.Regex(parse.GetValue(filter), "--filter"),
                    IncludeHidden = parse.GetValue(includeHidden),
                    UploadExisting = parse.GetValue(uploadExisting),
                    MetadataSidecar = parse.GetValue(metadataSidecar),
                    ChunkSize = parse.GetValue(chunkSize),
                    MaxBytesPerSecond = CliArguments.Positive(parse.GetValue(maxRate), "--max-rate"),
                };
                foreach (string pattern in parse.GetValue(include) ?? Array.Empty<string>())
                {
                    options.Include.Add(pattern);
                }
                foreach (string pattern in parse.GetValue(exclude) ?? Array.Empty<string>())
                {
                    options.Exclude.Add(pattern);
                }
                KafkaSettings settings = broker.Resolve(parse);
                ClientDiagnostics diagnostics = CliConsole.Diagnostics(parse.GetValue(verbose));
                return monitoring.Run(parse, settings, diagnostics, ProgramKind.Uploader, "upload-directory", options.Topic, monitor =>
                {
                    var uploader = new DirectoryUploader(settings, options, diagnostics);
                    using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    if (runFor is TimeSpan limit)
                    {
                        stop.CancelAfter(limit);
                    }
                    uploader.Watching += () => CliConsole.ErrorLine($"watching '{options.Directory}' for topic '{options.Topic}'; state in '{uploader.StateDirectory}'");
                    IUploadObserver observer = new ConsoleObserver();
                    UploadSummary summary = uploader.Run(monitor?.Watch(observer) ?? observer, stop.Token);
                    CliConsole.ErrorLine($"stopped: {summary.FilesSent} files sent ({ByteSize.Format(summary.BytesSent)}), {summary.Errors} errors, in {summary.Elapsed.TotalSeconds:0.0} s.");
                    return ExitCodes.Success;
                });
            });
            return command;
        }

        private sealed class ConsoleObserver : IUploadObserver
        {
            public void FileSent(SentFile file) =>
                CliConsole.Line($"sent {file.RelativePath} ({ByteSize.Format(file.Length)}, {file.ChunkCount} chunks{(file.ChunksSentBefore > 0 ? $", {file.ChunksSentBefore} already sent before a restart" : "")}, partition {file.Partition}) sha512 {file.Sha512}");

            public void Error(OpenMsiStreamException error) => CliConsole.Error(error);

            public void Warning(string message) => CliConsole.Warning(message);

            public void Progress(UploadProgress progress)
            {
            }
        }
    }
}
