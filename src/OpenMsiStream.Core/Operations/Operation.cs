using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;

namespace OpenMsiStream.Operations
{
    /// <summary>
    /// One long-running job (upload-directory, download-directory, process, s3-transfer) as both front ends
    /// and the service translator see it: its options with their defaults and rules, and how they become the
    /// engine's option object. The CLI declares its command from this, the cmdlet reads its bound parameters
    /// into it, and Register-MsiService turns a cmdlet call into this command line and checks it here, with
    /// the code that will run it. A new option is added here (and as a cmdlet parameter of the same name;
    /// the parity tests fail until both exist).
    /// </summary>
    public abstract class Operation
    {
        protected Operation(string command, string cmdlet, string summary, IEnumerable<OperationOption> options)
        {
            Command = command;
            Cmdlet = cmdlet;
            Summary = summary;
            Options = options.ToList();
        }

        public static UploadDirectoryOperation UploadDirectory { get; } = new UploadDirectoryOperation();

        public static DownloadDirectoryOperation DownloadDirectory { get; } = new DownloadDirectoryOperation();

        public static ProcessOperation Process { get; } = new ProcessOperation();

        public static S3TransferOperation S3Transfer { get; } = new S3TransferOperation();

        /// <summary>The operations that run until stopped, and so can run as services.</summary>
        public static IReadOnlyList<Operation> LongRunning { get; } = new Operation[] { UploadDirectory, DownloadDirectory, Process, S3Transfer };

        /// <summary>The `openmsistream` command, e.g. download-directory; also the program name in default program ids.</summary>
        public string Command { get; }

        /// <summary>The cmdlet, e.g. Receive-MsiDataFile.</summary>
        public string Cmdlet { get; }

        /// <summary>The command's one-paragraph help.</summary>
        public string Summary { get; }

        public IReadOnlyList<OperationOption> Options { get; }

        public static Operation? ForCommand(string? command) => LongRunning.FirstOrDefault(o => o.Command == command);

        public static Operation? ForCmdlet(string? cmdlet) => LongRunning.FirstOrDefault(o => string.Equals(o.Cmdlet, cmdlet, StringComparison.OrdinalIgnoreCase));

        public OperationOption? Find(string name) => Options.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase));

        /// <summary>What heartbeats report this program as.</summary>
        public virtual ProgramKind Kind(OperationArguments arguments) => ProgramKind.Processor;

        /// <summary>The topic the program reads or writes: the default program id and the monitor name it.</summary>
        public string Topic(OperationArguments arguments) => arguments.Text(nameof(Topic))!;

        /// <summary>
        /// Checks everything the operation checks before it starts (values, combinations, names), without
        /// touching the broker or the disk, as an InvalidArgument error naming the option.
        /// </summary>
        public abstract void Validate(OperationArguments arguments);

        /// <summary>The Filter option as a regular expression, or null; its errors name the option as the user wrote it.</summary>
        protected static System.Text.RegularExpressions.Regex? Filter(OperationArguments arguments) =>
            Download.PathFilter.Parse(arguments.Text("Filter"), arguments.Display("Filter"));

        /// <summary>The broker settings from Config and BootstrapServers; null when neither was given (the front end decides what then).</summary>
        public static KafkaSettings? Broker(string? config, string? bootstrapServers, string? workingDirectory)
        {
            KafkaSettings? settings = config != null ? KafkaSettings.FromFile(config, null, workingDirectory) : null;
            if (bootstrapServers != null)
            {
                settings = settings == null ? KafkaSettings.FromBootstrapServers(bootstrapServers, workingDirectory) : settings.WithBootstrapServers(bootstrapServers);
            }
            return settings;
        }

        /// <summary>The monitor's options, or null when no monitoring option was given (then there is no monitor).</summary>
        public MonitorOptions? Monitoring(OperationArguments arguments)
        {
            if (!OptionGroups.Monitoring.Any(o => arguments.IsGiven(o.Name)))
            {
                return null;
            }
            if (arguments.IsGiven("MetricsAddress") && !arguments.IsGiven("MetricsPort"))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    $"{arguments.Display("MetricsAddress")} needs {arguments.Display("MetricsPort")}: the port to serve the metrics on.");
            }
            var options = new MonitorOptions
            {
                ProgramId = arguments.Text("ProgramId"),
                HeartbeatTopic = arguments.Text("HeartbeatTopic"),
                HeartbeatInterval = arguments.Get<TimeSpan>("HeartbeatInterval"),
                LogTopic = arguments.Text("LogTopic"),
                LogInterval = arguments.Get<TimeSpan>("LogInterval"),
                LogFile = arguments.Text("LogFile"),
                LogLevel = arguments.Get<LogLevel>("LogLevel"),
                MetricsPort = arguments.Optional<int>("MetricsPort"),
                MetricsAddress = arguments.Text("MetricsAddress")!,
            };
            options.Validate();
            return options;
        }

        /// <summary>
        /// The run recipe both front ends share: the monitor (when asked for) around the body, started and
        /// stopped with a last heartbeat, Failed recorded with the error; <paramref name="announce"/> gets
        /// the line a user should see (where the metrics are served).
        /// </summary>
        public T Run<T>(OperationArguments arguments, KafkaSettings settings, ClientDiagnostics diagnostics, Action<string> announce, Func<ProgramMonitor?, T> body) =>
            MonitoredRun.Run(settings, Monitoring(arguments), diagnostics, Kind(arguments), Command, Topic(arguments), monitor =>
            {
                if (monitor?.MetricsUrl is Uri metrics)
                {
                    announce($"serving metrics at {metrics}");
                }
                return body(monitor);
            });

        /// <summary>
        /// The program id of a monitored run, or null without monitoring: a consumer that has one is a
        /// static member of its consumer group (README, "Static membership").
        /// </summary>
        public string? MonitoredProgramId(OperationArguments arguments) => Monitoring(arguments)?.ResolveProgramId(Command, Topic(arguments));

        /// <summary>A token that is cancelled by <paramref name="cancellation"/> or after Duration, when the operation has one and it was given.</summary>
        public static CancellationTokenSource StopAfter(OperationArguments arguments, CancellationToken cancellation)
        {
            var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            if (arguments.Operation.Find("Duration") != null && arguments.Optional<TimeSpan>("Duration") is TimeSpan limit)
            {
                stop.CancelAfter(limit);
            }
            return stop;
        }

        /// <summary>The `openmsistream` command line for these arguments (what a service runs).</summary>
        public List<string> ToCommandLine(OperationArguments arguments)
        {
            var line = new List<string> { Command };
            foreach (OperationOption positional in Options.Where(o => o.IsPositional))
            {
                if (!arguments.IsGiven(positional.Name))
                {
                    throw new OpenMsiStreamException(ErrorIds.ServiceCommandUnsupported,
                        $"A service running {Cmdlet} needs {arguments.Display(positional.Name)} (a single value).", target: positional.Name);
                }
                line.Add(Text(arguments.Get<object>(positional.Name)));
            }
            foreach (KeyValuePair<OperationOption, object> given in arguments.Given.Where(g => !g.Key.IsPositional))
            {
                OperationOption option = given.Key;
                if (option.CmdletOnly != null)
                {
                    throw new OpenMsiStreamException(ErrorIds.ServiceCommandUnsupported,
                        $"-{option.Name} of {Cmdlet} has no command-line form: {option.CmdletOnly}.", target: option.Name);
                }
                switch (given.Value)
                {
                    case string[] _ when option.Kind == OptionKind.Program:
                        break; // after "--", below
                    case string[] items:
                        foreach (string item in items)
                        {
                            line.Add(option.Flag);
                            line.Add(item);
                        }
                        break;
                    case bool on:
                        if (on)
                        {
                            line.Add(option.Flag);
                        }
                        break;
                    default:
                        line.Add(option.Flag);
                        line.Add(Text(given.Value));
                        break;
                }
            }
            // The program and its arguments (Command, then ArgumentList) go after "--".
            string[] program = Options.Where(o => o.Kind == OptionKind.Program && arguments.IsGiven(o.Name)).SelectMany(o => arguments.Get<string[]>(o.Name)).ToArray();
            if (program.Length > 0)
            {
                line.Add("--");
                line.AddRange(program);
            }
            return line;
        }

        private static string Text(object value) => value switch
        {
            TimeSpan time => time.TotalSeconds.ToString("R", CultureInfo.InvariantCulture),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? string.Empty,
        };
    }
}
