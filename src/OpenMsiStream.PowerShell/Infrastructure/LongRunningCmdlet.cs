using System;
using System.Management.Automation;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Operations;
using System.Collections.Generic;
using System.Threading;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// Cmdlets that may run for months (directory upload, download, processors, S3 transfer): the
    /// heartbeat, log and status parameters of the CLI's long-running commands. Monitoring is on when
    /// any of them is given; then the program also writes a rotating log file and a status file, and
    /// serves its metrics for Prometheus with -MetricsPort.
    /// </summary>
    public abstract class LongRunningCmdlet : KafkaCmdlet
    {
        /// <summary>Names this program in heartbeat and log keys and in its status and log files (default &lt;host&gt;_&lt;command&gt;_&lt;topic&gt;).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [PSDefaultValue(Help = "<host>_<command>_<topic>")]
        public string? ProgramId { get; set; }

        /// <summary>Topic for heartbeats: key &lt;program id&gt;_heartbeat, JSON counters since the previous one (OpenMSIStream's format).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.TopicCompleter))]
        public string? HeartbeatTopic { get; set; }

        /// <summary>Time between heartbeats and status-file updates (seconds or a time span; default 60 s).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        [PositiveTimeSpan]
        public TimeSpan HeartbeatInterval { get; set; } = Defaults.HeartbeatInterval;

        /// <summary>Topic for log lines: key &lt;program id&gt;_log.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.TopicCompleter))]
        public string? LogTopic { get; set; }

        /// <summary>Time between log messages on -LogTopic (default 60 s).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        [PositiveTimeSpan]
        public TimeSpan LogInterval { get; set; } = Defaults.LogInterval;

        /// <summary>The rotating log file (default &lt;home&gt;/logs/&lt;program id&gt;.log).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [PSDefaultValue(Help = "<home>/logs/<program id>.log")]
        public string? LogFile { get; set; }

        /// <summary>Lowest level written to the log file and -LogTopic (default Information).</summary>
        [Parameter]
        public LogLevel LogLevel { get; set; } = LogLevel.Information;

        /// <summary>
        /// Serve this program's metrics for Prometheus at http://127.0.0.1:PORT/metrics (files, chunks and
        /// bytes sent, received, processed and failed, errors by id, files in progress, consumer lag, producer
        /// queue depth, last delivery). 0 lets the system pick a free port (shown with -Verbose and in the status file).
        /// </summary>
        [Parameter]
        [ValidateRange(0, 65535)]
        public int MetricsPort { get; set; }

        /// <summary>The address the metrics are served on (default 127.0.0.1; 0.0.0.0 for all of this computer's addresses — there is no authentication, so only behind a firewall). Needs -MetricsPort.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string MetricsAddress { get; set; } = Defaults.MetricsAddress;

        /// <summary>The operation this cmdlet runs: its options, defaults, rules and run recipe, shared with the CLI command and the service translator.</summary>
        internal abstract Operation Operation { get; }

        /// <summary>The bound parameters as the operation's arguments: paths resolved against the PowerShell location, values checked as the CLI's are.</summary>
        protected OperationArguments Arguments() =>
            Terminating(() =>
            {
                var arguments = new OperationArguments(Operation, OptionNaming.PowerShell, ResolvePath);
                foreach (KeyValuePair<string, object> bound in MyInvocation.BoundParameters)
                {
                    OperationOption? option = Operation.Find(bound.Key);
                    if (option != null && !option.Common)
                    {
                        arguments.Set(option.Name, Plain(bound.Value));
                    }
                }
                return arguments;
            });

        /// <summary>Runs <paramref name="build"/>; its OpenMsiStream error becomes this cmdlet's terminating error.</summary>
        protected T Terminating<T>(Func<T> build)
        {
            try
            {
                return build();
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error);
                throw; // not reached: ThrowTerminatingError always throws
            }
        }

        /// <summary>
        /// The run recipe every long-running cmdlet shares: the engine runs on a worker thread with Kafka's
        /// messages on the Verbose stream, under the operation's program monitor when a monitoring parameter
        /// was given; this, the pipeline thread, writes what the engine queues and its progress bar, and
        /// removes the bar when the engine stopped by itself (after Ctrl+C the pipeline is already gone).
        /// </summary>
        /// <param name="engine">Runs the engine: gets the queue, the diagnostics, the monitor (null when off) and the cancellation.</param>
        /// <param name="stopSummary">What the user reads after Ctrl+C, from the engine's result.</param>
        private protected TResult RunEngine<TProgress, TResult>(OperationArguments arguments, KafkaSettings settings, ProgressDisplay<TProgress> progress,
            Func<PipelineQueue, ClientDiagnostics, ProgramMonitor?, CancellationToken, TResult> engine, Func<TResult, string> stopSummary)
            where TProgress : class
        {
            try
            {
                return RunOnWorker((queue, cancellation) =>
                {
                    var diagnostics = new ClientDiagnostics();
                    ForwardDiagnostics(diagnostics, queue);
                    return Operation.Run(arguments, settings, diagnostics, line => queue.Verbose(char.ToUpperInvariant(line[0]) + line.Substring(1) + "."),
                        monitor => engine(queue, diagnostics, monitor, cancellation));
                }, progress.Show, stopSummary);
            }
            finally
            {
                if (!StopRequested)
                {
                    progress.Complete("Stopped");
                }
            }
        }

        private static object? Plain(object? value) => value switch
        {
            SwitchParameter switched => switched.IsPresent,
            PSObject wrapped => wrapped.BaseObject,
            _ => value,
        };
    }
}
