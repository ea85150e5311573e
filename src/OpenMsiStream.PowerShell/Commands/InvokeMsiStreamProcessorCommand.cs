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
using OpenMsiStream.Operations;
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
    /// <para type="description">A script block gets the rebuilt file as its first argument (param($File)):
    /// $File.Bytes in Memory and Both modes, $File.FullName in Disk and Both modes, and $File.RelativePath,
    /// $File.Name, $File.Sha512 and $File.Topic always; -ArgumentList values follow it. Up to
    /// -ThrottleLimit files (default 2) run at once, each in a runspace of its own with this module
    /// loaded: the script sees $using: values and its arguments, not the caller's other variables or
    /// functions. Each output object of the script is produced to -ResultTopic as one JSON message keyed
    /// &lt;file key&gt;_processing_result; with -Metadata the script returns one hashtable per file,
    /// published as one JSON object (OpenMSIStream's MetadataJSONReproducer).</para>
    /// <para type="description">-Command runs a program once per file, in the current directory; in
    /// -ArgumentList, {path}, {relativePath}, {name}, {sha512} and {topic} are replaced per file (the same
    /// values are in the environment variables OPENMSISTREAM_PATH, OPENMSISTREAM_RELATIVE_PATH,
    /// OPENMSISTREAM_NAME, OPENMSISTREAM_SHA512 and OPENMSISTREAM_TOPIC; in Memory mode {path} is a
    /// temporary copy). Its standard output (a JSON document, JSON lines or text) becomes the result
    /// messages; when it fails, the error quotes the end of its standard error. -Handler takes a .NET object
    /// derived from DataFileStreamProcessor, DataFileStreamReproducer or MetadataJsonReproducer.</para>
    /// <para type="description">A failed file (a terminating error, a non-zero exit code, -Timeout) gives an
    /// object with Status Failed and a non-terminating ProcessingFailed or ProcessingTimedOut error; its
    /// content is kept and it is tried again at the next start and every -RetryFailedAfter while running.
    /// Without -GroupId the consumer group is named after the topic and the code, so running the same
    /// command again resumes it. The record is kept in -StateDirectory (default &lt;output&gt;/.openmsistream
    /// in Disk and Both modes, else a per-user folder named after the topic and group).</para>
    /// <para type="notes">Results are exactly once where the broker implements Kafka transactions (-ExactlyOnce
    /// Auto, the default): a file's results and the consumer's offsets for its messages commit in one
    /// transaction, so a consumer of -ResultTopic with isolation.level=read_committed sees them once, even
    /// after the processor was killed at any point. Elsewhere (brokers before Kafka 0.11, the embedded broker,
    /// -ExactlyOnce Off) they are at least once: a processor stopped between producing a file's results and
    /// recording it as processed produces them again after a restart. Which one is in force is said in the
    /// Verbose stream at the start and in each output object's ResultDelivery. What the script does besides
    /// its output (files written, uploads) is never transactional. A script stuck in a .NET call
    /// cannot be stopped: Ctrl+C returns at once and leaves it running in the background. Handlers that run
    /// longer than max.poll.interval.ms (5 minutes by default) need it raised in the config file's
    /// [consumer] section.</para>
    /// </summary>
    /// <example>
    /// <code>
    /// $threshold = 500
    /// Invoke-MsiStreamProcessor -Topic xrd -ResultTopic xrd-results -IdleTimeout 60 -ScriptBlock {
    ///     param($File)
    ///     $rows = ([Text.Encoding]::UTF8.GetString($File.Bytes) -split "`n").Count
    ///     [pscustomobject]@{ File = $File.RelativePath; Rows = $rows; Large = $rows -gt $using:threshold }
    /// }
    /// </code>
    /// <para>Counts the lines of every file of the topic xrd (on the embedded broker) and produces one JSON
    /// result per file to xrd-results. Writes one ProcessedFile (path, status, attempt, seconds, results)
    /// per file and stops when nothing arrived for a minute.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Invoke-MsiStreamProcessor -Topic xrd -Config ./lab.config -Mode Disk -OutputDirectory ./xrd -Timeout 300 `
    ///     -Command python3 -ArgumentList ./analyze.py, '{path}' -ResultTopic xrd-results
    /// </code>
    /// <para>Rebuilds every file in ./xrd and runs "python3 ./analyze.py &lt;file&gt;" on it, stopping any run
    /// that takes longer than five minutes. Exit code 0 means processed; what the script prints goes to
    /// xrd-results.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Invoke-MsiStreamProcessor -Topic xrd -Config ./lab.config -ResultTopic xrd-metadata -Metadata -Filter '\.csv$' -ScriptBlock {
    ///     param($File)
    ///     $lines = [Text.Encoding]::UTF8.GetString($File.Bytes) -split "`r?`n"
    ///     @{ file = $File.RelativePath; lines = $lines.Count; sha512 = $File.Sha512 }
    /// }
    /// </code>
    /// <para>Publishes one JSON object of metadata per CSV file to xrd-metadata, until Ctrl+C. Other files
    /// are skipped.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Add-Type -Path ./XrdMetadata.dll
    /// Invoke-MsiStreamProcessor -Topic xrd -Config ./lab.config -Handler ([XrdMetadata.XrdCsvMetadataReproducer]::new()) -ResultTopic xrd-metadata
    /// </code>
    /// <para>Runs a compiled .NET handler (the MetadataJsonReproducer of examples/XrdMetadata) on every
    /// file, as OpenMSIStream's Python stream processors do.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Invoke-MsiStreamProcessor -Topic xrd -Config ./lab.config -ResultTopic xrd-results -ExactlyOnce On -Verbose -ScriptBlock {
    ///     param($File) @{ file = $File.RelativePath; bytes = $File.Length }
    /// }
    /// </code>
    /// <para>Requires exactly-once results: the processor stops with ExactlyOnceUnavailable instead of starting
    /// when the broker has no transactions. The Verbose stream names the transactional.id it uses.</para>
    /// </example>
    /// <seealso cref="ReceiveMsiDataFileCommand"/>
    /// <seealso cref="StartMsiS3TransferCommand"/>
    /// <seealso cref="OpenMsiStream.PowerShell.Commands.Services.RegisterMsiServiceCommand"/>
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
        [ArgumentCompleter(typeof(Completion.TopicCompleter))]
        public string? ResultTopic { get; set; }

        /// <summary>
        /// Auto (default): each file's results and the consumer's offsets commit in one Kafka transaction where
        /// the broker implements transactions, else results are at least once. On: require transactions. Off:
        /// at least once.
        /// </summary>
        [Parameter]
        public ExactlyOnceMode ExactlyOnce { get; set; } = ExactlyOnceMode.Auto;

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
                ThrowTerminatingError(new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    "-Metadata publishes each file's metadata to -ResultTopic; give -ResultTopic too."));
            }
            OperationArguments arguments = Arguments();
            StreamProcessingOptions options = Terminating(() => Operation.Process.Build(arguments, HandlerCode()));
            if (!ShouldProcess(Topic, $"Run {Describe()} on every file of topic '{Topic}' (consumer group '{options.GroupId}')"))
            {
                return;
            }
            KafkaSettings settings = ResolveSettings();
            FileHandler handler = CreateHandler(options);
            try
            {
                RunProcessor(arguments, settings, (queue, diagnostics, observer, cancellation) =>
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

        internal override Operation Operation => Operation.Process;

        private string Describe() => ParameterSetName switch
        {
            CommandSet => $"'{Command}'",
            HandlerSet => Handler!.GetType().Name,
            _ => "the script block",
        };

        /// <summary>What the files are handled with: the default consumer group is named after it.</summary>
        private string HandlerCode() => ParameterSetName switch
        {
            CommandSet => Command + "\n" + string.Join("\n", ArgumentList.Select(a => a?.ToString())),
            HandlerSet => Handler!.GetType().FullName!,
            _ => ScriptBlock!.ToString().Trim(),
        };

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
                ThrowTerminatingError(new OpenMsiStreamException(ErrorIds.InvalidArgument,
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
