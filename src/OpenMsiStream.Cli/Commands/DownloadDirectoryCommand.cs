using System;
using System.CommandLine;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Config;
using OpenMsiStream.Download;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Operations;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary><c>openmsistream download-directory</c>: rebuilds files from a topic into a directory.</summary>
    internal static class DownloadDirectoryCommand
    {
        public static Command Create() => OperationCommand.Create(Operation.DownloadDirectory, (arguments, cancellationToken) =>
        {
            ReceiveOptions options = Operation.DownloadDirectory.Build(arguments);
            KafkaSettings settings = BrokerOptions.Resolve(arguments);
            ClientDiagnostics diagnostics = CliConsole.Diagnostics(arguments.Get<bool>("Verbose"));
            return Operation.DownloadDirectory.Run(arguments, settings, diagnostics, CliConsole.ErrorLine, monitor =>
            {
                using var receiver = new FileReceiver(settings, options, diagnostics);
                CliConsole.ErrorLine($"receiving from topic '{options.Topic}' as consumer group '{receiver.GroupId}'");
                var observer = new ConsoleObserver<ReceivedFile, ReceiveProgress>(Describe, arguments.Get<bool>("Verbose"));
                ReceiveSummary summary = receiver.Run(monitor.Watch(observer), cancellationToken);
                if (summary.StopReason == ReceiveStopReason.Cancelled && summary.DescribeIncomplete(receiver.Resumable, options.OutputDirectory) is string incomplete)
                {
                    CliConsole.Warning(incomplete); // stopped by Ctrl+C or SIGTERM: say what becomes of the files left
                }
                CliConsole.ErrorLine($"{summary.FilesReceived} files received, {summary.Errors} errors, {summary.Messages} messages in {summary.Elapsed.TotalSeconds:0.0} s ({summary.StopReason}).");
                return summary.Errors == 0 ? ExitCodes.Success : ExitCodes.Failed;
            });
        });

        private static string Describe(ReceivedFile file) =>
            $"received {file.RelativePath} ({ByteSize.Format(file.Length)}, {file.ChunkCount} chunks) sha512 {file.Sha512}"
            + (file.Metadata.Count > 0 ? " metadata " + Wire.FileMetadata.ToJson(file.Metadata) : string.Empty);
    }
}
