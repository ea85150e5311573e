using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Processing;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary>
    /// <c>openmsistream process TOPIC -- PROGRAM ARGS...</c>: runs a program on every file that arrives
    /// on a topic (the same engine as Invoke-MsiStreamProcessor -Command), one line per file.
    /// </summary>
    internal static class ProcessCommand
    {
        public static Command Create()
        {
            var topic = new Argument<string>("topic") { Description = "topic to consume" };
            var program = new Argument<string[]>("command")
            {
                Description = "after --: the program and its arguments; {path}, {relativePath}, {name}, {sha512} and {topic} are replaced per file",
                Arity = ArgumentArity.OneOrMore,
            };
            var groupId = new Option<string?>("--group-id") { Description = "consumer group (default: named after the topic and the command, so a re-run resumes)" };
            var resultTopic = new Option<string?>("--result-topic") { Description = "topic for the program's stdout: a JSON document, JSON lines, or text, one message each" };
            var mode = new Option<ProcessingMode>("--mode") { Description = "Memory (default: {path} is a scratch copy removed afterwards), Disk or Both (files kept in --output-directory)", DefaultValueFactory = _ => ProcessingMode.Memory };
            var outputDirectory = new Option<string?>("--output-directory") { Description = "where files are rebuilt in Disk and Both modes" };
            var stateDirectory = new Option<string?>("--state-directory") { Description = "where the processing record lives (default: <output>/.openmsistream, or the user's app-data folder)" };
            var filter = new Option<string?>("--filter") { Description = "regular expression on the relative path (POSIX separators); other files are skipped" };
            var throttle = new Option<int>("--throttle-limit") { Description = "files processed at once (default 2)", DefaultValueFactory = _ => 2 };
            var timeout = new Option<double?>("--timeout") { Description = "stop the program on a file after this many seconds and record the file as failed" };
            var count = new Option<int?>("--count") { Description = "stop after this many files" };
            var idleTimeout = new Option<double?>("--idle-timeout") { Description = "stop when no message arrived for this many seconds" };
            var retryAfter = new Option<double?>("--retry-failed-after") { Description = "try failed files again after this many seconds while running (they are always tried again at the next start)" };
            var exactlyOnce = new Option<ExactlyOnceMode>("--exactly-once")
            {
                Description = "auto (default): commit each file's results with the consumer's offsets in one Kafka transaction where the broker implements transactions (consumers of the result topic then use isolation.level=read_committed), else at-least-once; on: require it; off: at-least-once",
                DefaultValueFactory = _ => ExactlyOnceMode.Auto,
            };
            var verbose = CommandRunner.Verbose();
            var broker = new BrokerOptions();
            var monitoring = new MonitorCliOptions();
            var decryption = new DecryptionCliOptions();
            var command = new Command("process", "Run a program on every file of a topic (exit code 0 = processed), one line per file, until --count, --idle-timeout, Ctrl+C or SIGTERM.\nExample: openmsistream process xrd --bootstrap-servers localhost:9092 --result-topic xrd_results -- python3 analyze.py {path}")
            {
                topic, program, groupId, resultTopic, exactlyOnce, mode, outputDirectory, stateDirectory, filter, throttle, timeout, count, idleTimeout, retryAfter, verbose,
            };
            broker.AddTo(command);
            monitoring.AddTo(command);
            decryption.AddTo(command);
            CommandRunner.SetAction(command, (parse, cancellationToken) =>
            {
                string[] commandLine = parse.GetValue(program)!;
                string topicName = parse.GetValue(topic)!;
                ProcessingMode processingMode = parse.GetValue(mode);
                string? output = parse.GetValue(outputDirectory);
                if (processingMode != ProcessingMode.Memory && output == null)
                {
                    throw new OpenMsiStreamException(ErrorIds.InvalidArgument, $"--mode {processingMode} writes files to disk: give --output-directory.");
                }
                var options = new StreamProcessingOptions(topicName, parse.GetValue(groupId) ?? StreamProcessingOptions.DefaultGroupId(topicName, string.Join("\n", commandLine)))
                {
                    Mode = processingMode,
                    OutputDirectory = output == null ? null : Path.GetFullPath(output),
                    StateDirectory = parse.GetValue(stateDirectory) is string state ? Path.GetFullPath(state) : null,
                    Filter = CliArguments.Regex(parse.GetValue(filter), "--filter"),
                    ThrottleLimit = CliArguments.Positive(parse.GetValue(throttle), "--throttle-limit"),
                    Timeout = CliArguments.Seconds(parse.GetValue(timeout), "--timeout"),
                    ResultTopic = parse.GetValue(resultTopic),
                    ExactlyOnce = parse.GetValue(exactlyOnce),
                    Count = parse.GetValue(count),
                    IdleTimeout = CliArguments.Seconds(parse.GetValue(idleTimeout), "--idle-timeout"),
                    RetryFailedAfter = CliArguments.Seconds(parse.GetValue(retryAfter), "--retry-failed-after"),
                    Decryption = decryption.Resolve(parse),
                };
                string scratch = Path.Combine(Path.GetTempPath(), "OpenMsiStream", "process-" + Guid.NewGuid().ToString("N"));
                var handler = new ExternalCommandHandler(commandLine[0], commandLine.Skip(1).ToList(), Environment.CurrentDirectory, scratch);
                KafkaSettings settings = broker.Resolve(parse);
                ClientDiagnostics diagnostics = CliConsole.Diagnostics(parse.GetValue(verbose));
                ProgramKind kind = options.ResultTopic == null ? ProgramKind.Processor : ProgramKind.Reproducer;
                return monitoring.Run(parse, settings, diagnostics, kind, "process", options.Topic, monitor =>
                {
                    options.ProgramId = monitor?.ProgramId; // a monitored processor is a static member of its group
                    using var processor = new StreamProcessor(settings, options, handler, diagnostics);
                    CliConsole.ErrorLine($"processing topic '{options.Topic}' as consumer group '{processor.GroupId}' with '{handler.Program}'; state in '{processor.StateDirectory}'");
                    IProcessingObserver observer = new ProcessingConsoleObserver(Describe, parse.GetValue(verbose));
                    observer = monitor?.Watch(observer) ?? observer;
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
            return command;
        }

        private static string Describe(ProcessedFile file)
        {
            string results = file.ResultTopic != null ? $", {file.ResultsProduced} results to '{file.ResultTopic}'" : string.Empty;
            return file.Status == ProcessedStatus.Processed
                ? $"processed {file.RelativePath} ({ByteSize.Format(file.Length)}) in {file.Duration.TotalSeconds:0.00} s{results}"
                : $"failed {file.RelativePath} ({ByteSize.Format(file.Length)}) attempt {file.Attempt}";
        }
    }
}
