using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Operations;
using OpenMsiStream.Processing;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary>
    /// <c>openmsistream process TOPIC -- PROGRAM ARGS...</c>: runs a program on every file that arrives
    /// on a topic (the same engine as Invoke-MsiStreamProcessor -Command), one line per file.
    /// </summary>
    internal static class ProcessCommand
    {
        public static Command Create() => OperationCommand.Create(Operation.Process, (arguments, cancellationToken) =>
        {
            string[] commandLine = ProcessOperation.Program(arguments);
            StreamProcessingOptions options = Operation.Process.Build(arguments, string.Join("\n", commandLine));
            string scratch = Path.Combine(Path.GetTempPath(), "OpenMsiStream", "process-" + Guid.NewGuid().ToString("N"));
            var handler = new ExternalCommandHandler(commandLine[0], commandLine.Skip(1).ToList(), Environment.CurrentDirectory, scratch);
            KafkaSettings settings = BrokerOptions.Resolve(arguments);
            bool verbose = arguments.Get<bool>("Verbose");
            ClientDiagnostics diagnostics = CliConsole.Diagnostics(verbose);
            return Operation.Process.Run(arguments, settings, diagnostics, CliConsole.ErrorLine, monitor =>
            {
                using var processor = new StreamProcessor(settings, options, handler, diagnostics);
                CliConsole.ErrorLine($"processing topic '{options.Topic}' as consumer group '{processor.GroupId}' with '{handler.Program}'; state in '{processor.StateDirectory}'");
                IRunObserver<ProcessedFile, ProcessingProgress> observer = monitor.Watch(new ConsoleObserver<ProcessedFile, ProcessingProgress>(Describe, verbose, FailureLine));
                ResultDeliveryDecision delivery = processor.Connect(observer, cancellationToken);
                if (delivery.Delivery != ResultDelivery.None)
                {
                    CliConsole.ErrorLine(delivery.Describe());
                }
                ProcessingSummary summary = processor.Run(observer, cancellationToken);
                CliConsole.ErrorLine($"{summary.Processed} files processed, {summary.Failed} failed, {summary.Skipped} skipped in {summary.Elapsed.TotalSeconds:0.0} s.");
                return summary.Failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
            });
        });

        /// <summary>The stderr line of a file a processor failed on (process and s3-transfer): the handler's error as it was.</summary>
        internal static string? FailureLine(ProcessedFile file) =>
            file.Status == ProcessedStatus.Failed ? $"error {file.ErrorId}: {CliConsole.OneLine(file.ErrorMessage ?? "failed")}" : null;

        private static string Describe(ProcessedFile file)
        {
            string results = file.ResultTopic != null ? $", {file.ResultsProduced} results to '{file.ResultTopic}'" : string.Empty;
            return file.Status == ProcessedStatus.Processed
                ? $"processed {file.RelativePath} ({ByteSize.Format(file.Length)}) in {file.Duration.TotalSeconds:0.00} s{results}"
                : $"failed {file.RelativePath} ({ByteSize.Format(file.Length)}) attempt {file.Attempt}";
        }
    }
}
