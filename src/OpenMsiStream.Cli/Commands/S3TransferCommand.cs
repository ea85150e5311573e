using System;
using System.CommandLine;
using System.IO;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Operations;
using OpenMsiStream.Processing;
using OpenMsiStream.S3;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary>
    /// <c>openmsistream s3-transfer TOPIC BUCKET</c>: copies every file of a topic to an S3 bucket,
    /// verified (the same engine as Start-MsiS3Transfer), one line per file.
    /// </summary>
    internal static class S3TransferCommand
    {
        public static Command Create() => OperationCommand.Create(Operation.S3Transfer, (arguments, cancellationToken) =>
        {
            S3TransferOptions options = Operation.S3Transfer.Build(arguments);
            KafkaSettings kafka = BrokerOptions.Resolve(arguments);
            S3Settings s3 = Operation.S3Transfer.Storage(arguments, kafka);
            bool verbose = arguments.Get<bool>("Verbose");
            ClientDiagnostics diagnostics = CliConsole.Diagnostics(verbose);
            return Operation.S3Transfer.Run(arguments, kafka, diagnostics, CliConsole.ErrorLine, monitor =>
            {
                using var transfer = new S3Transfer(kafka, s3, options, diagnostics);
                CliConsole.ErrorLine($"copying topic '{options.Topic}' to bucket '{transfer.Bucket}' at {transfer.Endpoint ?? "AWS"} as consumer group '{transfer.GroupId}'; state in '{transfer.StateDirectory}'");
                var observer = new ConsoleObserver<ProcessedFile, ProcessingProgress>(file => Describe(S3TransferResult.From(file, options.Bucket)), verbose, ProcessCommand.FailureLine);
                ProcessingSummary summary = transfer.Run(monitor.Watch(observer), cancellationToken);
                CliConsole.ErrorLine($"{summary.Processed} files copied, {summary.Failed} failed, {summary.Skipped} skipped in {summary.Elapsed.TotalSeconds:0.0} s.");
                return summary.Failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
            });
        });

        private static string Describe(S3TransferResult result) => result.Status switch
        {
            S3TransferStatus.Uploaded => $"uploaded {result.RelativePath} ({ByteSize.Format(result.Length)}{(result.Parts > 1 ? $" in {result.Parts} parts" : string.Empty)}) to {result.Uri}",
            S3TransferStatus.AlreadyPresent => $"present {result.RelativePath} ({ByteSize.Format(result.Length)}) at {result.Uri}",
            _ => $"failed {result.RelativePath} ({ByteSize.Format(result.Length)}) to {result.Uri} attempt {result.Attempt}",
        };
    }
}
