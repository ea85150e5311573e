using System;
using System.Management.Automation;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;

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
        [PSDefaultValue(Help = "127.0.0.1")]
        public string? MetricsAddress { get; set; }

        /// <summary>The CLI command this cmdlet matches; also the program name in default program ids.</summary>
        internal abstract string ProgramName { get; }

        /// <summary>Runs <paramref name="body"/> under a program monitor when any monitoring parameter was given.</summary>
        protected T RunMonitored<T>(KafkaSettings settings, ClientDiagnostics diagnostics, ProgramKind kind, string topic, PipelineQueue queue, Func<ProgramMonitor?, T> body) =>
            MonitoredRun.Run(settings, BuildMonitorOptions(), diagnostics, kind, ProgramName, topic, monitor =>
            {
                if (monitor?.MetricsUrl is Uri metrics)
                {
                    queue.Verbose($"Serving metrics at {metrics}.");
                }
                return body(monitor);
            });

        /// <summary>
        /// The program id a monitored run reports under, or null when no monitoring parameter was given: a
        /// consumer that has one is a static member of its consumer group (see README, "Static membership").
        /// </summary>
        protected string? MonitoredProgramId(string topic) => BuildMonitorOptions()?.ResolveProgramId(ProgramName, topic);

        /// <summary>Checks the monitoring parameters before anything starts, as a terminating InvalidArgument error.</summary>
        protected void ValidateMonitoring()
        {
            try
            {
                if (IsBound(nameof(MetricsAddress)) && !IsBound(nameof(MetricsPort)))
                {
                    throw new OpenMsiStreamException(ErrorIds.InvalidArgument, "-MetricsAddress needs -MetricsPort: the port to serve the metrics on.");
                }
                BuildMonitorOptions()?.Validate();
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error, ProgramId ?? HeartbeatTopic ?? LogTopic);
            }
        }

        private MonitorOptions? BuildMonitorOptions()
        {
            bool any = IsBound(nameof(ProgramId)) || IsBound(nameof(HeartbeatTopic)) || IsBound(nameof(HeartbeatInterval)) || IsBound(nameof(LogTopic))
                || IsBound(nameof(LogInterval)) || IsBound(nameof(LogFile)) || IsBound(nameof(LogLevel)) || IsBound(nameof(MetricsPort));
            if (!any)
            {
                return null;
            }
            return new MonitorOptions
            {
                ProgramId = ProgramId,
                HeartbeatTopic = HeartbeatTopic,
                HeartbeatInterval = HeartbeatInterval,
                LogTopic = LogTopic,
                LogInterval = LogInterval,
                LogFile = LogFile == null ? null : ResolvePath(LogFile),
                LogLevel = LogLevel,
                MetricsPort = IsBound(nameof(MetricsPort)) ? MetricsPort : (int?)null,
                MetricsAddress = MetricsAddress ?? Defaults.MetricsAddress,
            };
        }
    }
}
