using System;
using System.IO;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.State;

namespace OpenMsiStream.Monitoring
{
    /// <summary>Heartbeats, logs, the status file and the log file of one long-running program.</summary>
    public sealed class MonitorOptions
    {
        /// <summary>Names the program in heartbeat and log keys and in the status and log files (default &lt;host&gt;_&lt;program&gt;_&lt;topic&gt;).</summary>
        public string? ProgramId { get; set; }

        /// <summary>Topic for heartbeats (<c>&lt;program id&gt;_heartbeat</c>); none when null.</summary>
        public string? HeartbeatTopic { get; set; }

        public TimeSpan HeartbeatInterval { get; set; } = Defaults.HeartbeatInterval;

        /// <summary>Topic for the log lines (<c>&lt;program id&gt;_log</c>); none when null.</summary>
        public string? LogTopic { get; set; }

        public TimeSpan LogInterval { get; set; } = Defaults.LogInterval;

        /// <summary>The rotating log file (default &lt;home&gt;/logs/&lt;program id&gt;.log); empty string: no file.</summary>
        public string? LogFile { get; set; }

        public LogLevel LogLevel { get; set; } = LogLevel.Information;

        /// <summary>Where the status file goes (default &lt;home&gt;/status).</summary>
        public string? StatusDirectory { get; set; }

        /// <summary>Serve the program's metrics for Prometheus on this TCP port (0: one the system picks); none when null.</summary>
        public int? MetricsPort { get; set; }

        /// <summary>The address the metrics are served on: loopback unless another is named (see <see cref="Metrics.MetricsServer.ParseAddress"/>).</summary>
        public string MetricsAddress { get; set; } = Defaults.MetricsAddress;


        public string ResolveProgramId(string program, string topic) =>
            string.IsNullOrWhiteSpace(ProgramId) ? $"{Environment.MachineName}_{program}_{topic}" : ProgramId!;

        public static string DefaultStatusDirectory() => Path.Combine(AppData.Root(), "status");

        public static string DefaultLogDirectory() => Path.Combine(AppData.Root(), "logs");

        /// <summary>Checks the names and intervals before anything runs.</summary>
        public void Validate()
        {
            if (HeartbeatTopic != null)
            {
                TopicName.Validate(HeartbeatTopic);
            }
            if (LogTopic != null)
            {
                TopicName.Validate(LogTopic);
            }
            if (HeartbeatInterval <= TimeSpan.Zero || LogInterval <= TimeSpan.Zero)
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument, "Heartbeat and log intervals must be positive.");
            }
            if (MetricsPort is int port && (port < 0 || port > 65535))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    $"{port} is not a TCP port for the metrics: use 1 to 65535 (or 0 for one the system picks).", target: port);
            }
            Metrics.MetricsServer.ParseAddress(MetricsAddress);
            if (ProgramId != null && (ProgramId.Length == 0 || ProgramId.Length > 200 || ProgramId.IndexOfAny(new[] { '/', '\\', '\0', '\n', '\r' }) >= 0))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    $"'{ProgramId}' cannot be a program id: use 1 to 200 characters without slashes or line breaks.", target: ProgramId);
            }
        }
    }
}
