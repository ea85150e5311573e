using System;
using System.Linq;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Processing;

namespace OpenMsiStream.Operations
{
    /// <summary>process / Invoke-MsiStreamProcessor: run a program (or, in PowerShell, a script block or handler) on every file of a topic.</summary>
    public sealed class ProcessOperation : ConsumingOperation
    {
        internal ProcessOperation()
            : base("process", "Invoke-MsiStreamProcessor",
                "Run a program on every file of a topic (exit code 0 = processed), one line per file, until --count, --idle-timeout, Ctrl+C or SIGTERM.\nExample: openmsistream process xrd --bootstrap-servers localhost:9092 --result-topic xrd_results -- python3 analyze.py {path}",
                new[]
                {
                    new OperationOption("Topic", OptionKind.Text, "topic to consume").Positional("topic"),
                    new OperationOption("Command", OptionKind.Program, "after --: the program and its arguments; {path}, {relativePath}, {name}, {sha512} and {topic} are replaced per file"),
                    new OperationOption("ArgumentList", OptionKind.Program, "the program's arguments (on the command line: after the program)"),
                    new OperationOption("ScriptBlock", OptionKind.Text, string.Empty).OnlyInPowerShell("the service host runs programs, not PowerShell: use -Command with -ArgumentList, or a script file run by pwsh or powershell.exe"),
                    new OperationOption("Handler", OptionKind.Text, string.Empty).OnlyInPowerShell("the service host runs programs, not .NET handler objects: use -Command"),
                    new OperationOption("Metadata", OptionKind.Switch, string.Empty).OnlyInPowerShell("it belongs to -ScriptBlock"),
                    new OperationOption("GroupId", OptionKind.Text, "consumer group (default: named after the topic and the command, so a re-run resumes)"),
                    new OperationOption("ResultTopic", OptionKind.Text, "topic for the program's stdout: a JSON document, JSON lines, or text, one message each"),
                    new OperationOption("ExactlyOnce", OptionKind.Choice,
                        "Auto: commit each file's results with the consumer's offsets in one Kafka transaction where the broker implements transactions (consumers of the result topic then use isolation.level=read_committed), else at-least-once; On: require it; Off: at-least-once",
                        ExactlyOnceMode.Auto).Of(typeof(ExactlyOnceMode)),
                    new OperationOption("Mode", OptionKind.Choice, "Memory ({path} is a scratch copy removed afterwards), Disk or Both (files kept in --output-directory)", ProcessingMode.Memory).Of(typeof(ProcessingMode)),
                    new OperationOption("OutputDirectory", OptionKind.Path, "where files are rebuilt in Disk and Both modes"),
                    new OperationOption("StateDirectory", OptionKind.Path, "where the processing record lives (default: <output>/.openmsistream, or the user's app-data folder)"),
                    OptionGroups.Filter,
                    new OperationOption("ThrottleLimit", OptionKind.Count, "files processed at once", Defaults.ThrottleLimit).Range(1, 64),
                    new OperationOption("Timeout", OptionKind.Seconds, "stop the program on a file after this many seconds and record the file as failed"),
                    new OperationOption("RetryFailedAfter", OptionKind.Seconds, "try failed files again after this many seconds while running (they are always tried again at the next start)"),
                    OptionGroups.MaxMemoryFileSize(),
                }.Concat(OptionGroups.Stopping))
        {
        }

        public override ProgramKind Kind(OperationArguments arguments) => arguments.IsGiven("ResultTopic") ? ProgramKind.Reproducer : ProgramKind.Processor;

        public override void Validate(OperationArguments arguments)
        {
            if (Program(arguments).Length == 0)
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument, "process needs the program to run, after --.");
            }
            Build(arguments, string.Join("\n", Program(arguments)));
        }

        /// <summary>The program and its arguments: Command, then ArgumentList.</summary>
        public static string[] Program(OperationArguments arguments) =>
            (arguments.Get<string[]?>("Command") ?? new string[0]).Concat(arguments.Get<string[]?>("ArgumentList") ?? new string[0]).ToArray();

        /// <param name="handlerCode">What the files are handled with (the program and its arguments, a script block's text): the default group is named after it.</param>
        public StreamProcessingOptions Build(OperationArguments arguments, string handlerCode)
        {
            string topic = CheckedTopic(arguments);
            ProcessingMode mode = arguments.Get<ProcessingMode>("Mode");
            if (mode != ProcessingMode.Memory && !arguments.IsGiven("OutputDirectory"))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    $"{arguments.Display("Mode")} {mode} writes files to disk: give {arguments.Display("OutputDirectory")}.");
            }
            return new StreamProcessingOptions(topic, arguments.Text("GroupId") ?? StreamProcessingOptions.DefaultGroupId(topic, handlerCode))
            {
                ProgramId = MonitoredProgramId(arguments),
                Mode = mode,
                OutputDirectory = arguments.Text("OutputDirectory"),
                StateDirectory = arguments.Text("StateDirectory"),
                Filter = Filter(arguments),
                ThrottleLimit = arguments.Get<int>("ThrottleLimit"),
                Timeout = arguments.Optional<TimeSpan>("Timeout"),
                ResultTopic = arguments.Text("ResultTopic"),
                ExactlyOnce = arguments.Get<ExactlyOnceMode>("ExactlyOnce"),
                Count = arguments.Optional<int>("Count"),
                IdleTimeout = arguments.Optional<TimeSpan>("IdleTimeout"),
                RetryFailedAfter = arguments.Optional<TimeSpan>("RetryFailedAfter"),
                MaxMemoryFileSize = arguments.Get<long>("MaxMemoryFileSize"),
                Decryption = Decryption(arguments),
            };
        }
    }
}
