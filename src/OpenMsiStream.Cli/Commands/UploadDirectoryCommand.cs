using System;
using System.CommandLine;
using System.Threading;
using OpenMsiStream.Chunks;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Operations;
using OpenMsiStream.Upload;
using OpenMsiStream.UploadDirectory;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary><c>openmsistream upload-directory</c>: watch a directory and send every new or changed file, until stopped.</summary>
    internal static class UploadDirectoryCommand
    {
        public static Command Create() => OperationCommand.Create(Operation.UploadDirectory, (arguments, cancellationToken) =>
        {
            UploadDirectoryOptions options = Operation.UploadDirectory.Build(arguments);
            KafkaSettings settings = BrokerOptions.Resolve(arguments);
            ClientDiagnostics diagnostics = CliConsole.Diagnostics(arguments.Get<bool>("Verbose"));
            return Operation.UploadDirectory.Run(arguments, settings, diagnostics, CliConsole.ErrorLine, monitor =>
            {
                var uploader = new DirectoryUploader(settings, options, diagnostics);
                using CancellationTokenSource stop = Operation.StopAfter(arguments, cancellationToken);
                uploader.Watching += () => CliConsole.ErrorLine($"watching '{options.Directory}' for topic '{options.Topic}'; state in '{uploader.StateDirectory}'");
                var observer = new ConsoleObserver<SentFile, UploadProgress>(Describe, arguments.Get<bool>("Verbose"));
                UploadSummary summary = uploader.Run(monitor.Watch(observer), stop.Token);
                CliConsole.ErrorLine($"stopped: {summary.FilesSent} files sent ({ByteSize.Format(summary.BytesSent)}), {summary.Errors} errors, in {summary.Elapsed.TotalSeconds:0.0} s.");
                return ExitCodes.Success;
            });
        });

        private static string Describe(SentFile file) =>
            $"sent {file.RelativePath} ({ByteSize.Format(file.Length)}, {file.ChunkCount} chunks{(file.ChunksSentBefore > 0 ? $", {file.ChunksSentBefore} already sent before a restart" : "")}, partition {file.Partition}) sha512 {file.Sha512}";
    }
}
