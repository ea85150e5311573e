using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Download;
using OpenMsiStream.Kafka;
using OpenMsiStream.PowerShell.Infrastructure;
using OpenMsiStream.PowerShell.Processing;
using OpenMsiStream.Processing;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Runs a script block, a program or a .NET handler on every file that arrives on a topic.</para>
    /// <para type="description">Each file is rebuilt and verified, then handed over (in memory, on disk or
    /// both, per -Mode). A file counts as processed when the script ends without a terminating error
    /// (a program: exit code 0), and only after its results are on -ResultTopic. What was processed is
    /// recorded per topic and group: after a restart, failed and unfinished files are processed again
    /// and processed ones never again. Emits one object per file.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "MsiStreamProcessor", SupportsShouldProcess = true, DefaultParameterSetName = ScriptBlockSet)]
    [OutputType(typeof(ProcessedFile))]
    public sealed class InvokeMsiStreamProcessorCommand : ProcessorCmdlet
    {
        private const string ScriptBlockSet = "ScriptBlock";
        private const string CommandSet = "Command";
        private const string HandlerSet = "Handler";

        /// <summary>The code to run: param($File) receives the file object (then -ArgumentList).</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ScriptBlockSet)]
        public ScriptBlock? ScriptBlock { get; set; }

        /// <summary>A program to run per file (python, Rscript, a .exe); exit code 0 means processed.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CommandSet)]
        [ValidateNotNullOrEmpty]
        public string? Command { get; set; }

        /// <summary>A .NET handler (a class derived from DataFileStreamProcessor, DataFileStreamReproducer or MetadataJsonReproducer).</summary>
        [Parameter(Mandatory = true, ParameterSetName = HandlerSet)]
        public FileHandler? Handler { get; set; }

        /// <summary>
        /// Extra arguments: for a script block, passed after the file; for a program, its arguments, with
        /// {path}, {relativePath}, {name}, {sha512} and {topic} replaced per file.
        /// </summary>
        [Parameter(ParameterSetName = ScriptBlockSet)]
        [Parameter(ParameterSetName = CommandSet)]
        [Alias("Args")]
        public object[] ArgumentList { get; set; } = Array.Empty<object>();

        /// <summary>Memory (default), Disk (needs -OutputDirectory) or Both.</summary>
        [Parameter]
        public ProcessingMode Mode { get; set; } = ProcessingMode.Memory;

        /// <summary>Where files are rebuilt in Disk and Both modes.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutputDirectory { get; set; }

        /// <summary>Topic for the results: each output object as JSON, keyed &lt;file key&gt;_processing_result.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ResultTopic { get; set; }

        /// <summary>The script outputs one hashtable or object per file: the file's metadata, published as one JSON object.</summary>
        [Parameter(ParameterSetName = ScriptBlockSet)]
        public SwitchParameter Metadata { get; set; }

        /// <summary>Stop the code on a file after this long and record the file as failed (seconds, or a time span).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        [PositiveTimeSpan]
        public TimeSpan Timeout { get; set; }

        protected override string Activity => $"Processing files from topic '{Topic}'";

        protected override void EndProcessing()
        {
            if (Metadata && ResultTopic == null)
            {
                ThrowTerminatingError(new OpenMsiStreamException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument,
                    "-Metadata publishes each file's metadata to -ResultTopic; give -ResultTopic too."));
            }
            if (Mode != ProcessingMode.Memory && OutputDirectory == null)
            {
                ThrowTerminatingError(new OpenMsiStreamException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument,
                    $"-Mode {Mode} writes files to disk: give -OutputDirectory."));
            }
            StreamProcessingOptions options = BuildOptions();
            if (!ShouldProcess(Topic, $"Run {Describe()} on every file of topic '{Topic}' (consumer group '{options.GroupId}')"))
            {
                return;
            }
            KafkaSettings settings = ResolveSettings();
            FileHandler handler = CreateHandler(options);
            try
            {
                RunProcessor(settings, (queue, diagnostics, observer, cancellation) =>
                {
                    if (handler is ScriptBlockHandler scripted)
                    {
                        scripted.Streams = new QueueStreams(queue);
                    }
                    using var processor = new StreamProcessor(settings, options, handler, diagnostics);
                    return processor.Run(observer, cancellation);
                }, result => result);
            }
            finally
            {
                (handler as IDisposable)?.Dispose();
            }
        }

        internal override string ProgramName => "process";

        protected override ProgramKind Kind => ResultTopic == null ? ProgramKind.Processor : ProgramKind.Reproducer;

        private string Describe() => ParameterSetName switch
        {
            CommandSet => $"'{Command}'",
            HandlerSet => Handler!.GetType().Name,
            _ => "the script block",
        };

        private StreamProcessingOptions BuildOptions() =>
            new StreamProcessingOptions(Topic, GroupId ?? DefaultGroupId())
            {
                Mode = Mode,
                OutputDirectory = OutputDirectory == null ? null : ResolvePath(OutputDirectory),
                StateDirectory = StateDirectory == null ? null : ResolvePath(StateDirectory),
                Filter = FilterRegex(),
                ThrottleLimit = ThrottleLimit,
                Timeout = IsBound(nameof(Timeout)) ? Timeout : (TimeSpan?)null,
                ResultTopic = ResultTopic,
                Count = IsBound(nameof(Count)) ? Count : (int?)null,
                IdleTimeout = IsBound(nameof(IdleTimeout)) ? IdleTimeout : (TimeSpan?)null,
                RetryFailedAfter = IsBound(nameof(RetryFailedAfter)) ? RetryFailedAfter : (TimeSpan?)null,
                MaxMemoryFileSize = MaxMemoryFileSize,
                Decryption = BuildDecryption(),
            };

        /// <summary>Without -GroupId the group is named after the topic and the code (see StreamProcessingOptions.DefaultGroupId).</summary>
        private string DefaultGroupId()
        {
            string code = ParameterSetName switch
            {
                CommandSet => Command + "\n" + string.Join("\n", ArgumentList.Select(a => a?.ToString())),
                HandlerSet => Handler!.GetType().FullName!,
                _ => ScriptBlock!.ToString().Trim(),
            };
            return StreamProcessingOptions.DefaultGroupId(Topic, code);
        }

        private FileHandler CreateHandler(StreamProcessingOptions options)
        {
            string location = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            try
            {
                switch (ParameterSetName)
                {
                    case CommandSet:
                        string scratch = Path.Combine(Path.GetTempPath(), "OpenMsiStream", "process-" + Guid.NewGuid().ToString("N"));
                        return new ExternalCommandHandler(Command!, ArgumentList.Select(a => a?.ToString() ?? string.Empty).ToList(), location, scratch);
                    case HandlerSet:
                        return Handler!;
                    default:
                        IsolatedScript script = IsolatedScript.From(ScriptBlock!, UsingValue);
                        string? moduleBase = MyInvocation.MyCommand.Module?.ModuleBase;
                        string module = moduleBase != null && File.Exists(Path.Combine(moduleBase, "OpenMsiStream.psd1"))
                            ? Path.Combine(moduleBase, "OpenMsiStream.psd1")
                            : typeof(InvokeMsiStreamProcessorCommand).Assembly.Location;
                        return new ScriptBlockHandler(script, ArgumentList, location, Metadata, options.ThrottleLimit, Host, module);
                }
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error);
                throw; // not reached
            }
        }

        private object? UsingValue(string name)
        {
            PSVariable? variable = SessionState.PSVariable.Get(name);
            if (variable == null)
            {
                ThrowTerminatingError(new OpenMsiStreamException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument,
                    $"The script block uses $using:{name}, but there is no variable '{name}' here.", target: name));
            }
            return variable!.Value;
        }

        /// <summary>A script's own errors, warnings and verbose messages, queued for the pipeline thread.</summary>
        private sealed class QueueStreams : IScriptStreams
        {
            private readonly PipelineQueue _queue;

            public QueueStreams(PipelineQueue queue) => _queue = queue;

            public void Error(ErrorRecord record, ReceivedFile file) => _queue.Error(record);

            public void Warning(string message) => _queue.Warning(message);

            public void Verbose(string message) => _queue.Verbose(message);
        }
    }
}
