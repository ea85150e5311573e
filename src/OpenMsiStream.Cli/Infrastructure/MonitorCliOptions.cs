using System;
using System.CommandLine;
using OpenMsiStream.Config;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;

namespace OpenMsiStream.Cli.Infrastructure
{
    /// <summary>
    /// Heartbeat, log and status options shared by the long-running commands. Monitoring is on when
    /// any of them is given (a service always gives --program-id): then the program writes a rotating
    /// log file and a status file, heartbeats and logs to their topics when those are named, and serves
    /// its metrics for Prometheus with --metrics-port.
    /// </summary>
    internal sealed class MonitorCliOptions
    {
        private readonly Option<string?> _programId = new Option<string?>("--program-id") { Description = "names this program in heartbeat/log keys and its status and log files (default <host>_<command>_<topic>)" };
        private readonly Option<string?> _heartbeatTopic = new Option<string?>("--heartbeat-topic") { Description = "topic for heartbeats (<program id>_heartbeat, JSON with counters since the last one)" };
        private readonly Option<double?> _heartbeatInterval = new Option<double?>("--heartbeat-interval") { Description = "seconds between heartbeats and status-file updates (default 60)" };
        private readonly Option<string?> _logTopic = new Option<string?>("--log-topic") { Description = "topic for log lines (<program id>_log)" };
        private readonly Option<double?> _logInterval = new Option<double?>("--log-interval") { Description = "seconds between log messages (default 60)" };
        private readonly Option<string?> _logFile = new Option<string?>("--log-file") { Description = "the rotating log file (default <home>/logs/<program id>.log)" };
        private readonly Option<int?> _metricsPort = new Option<int?>("--metrics-port") { Description = "serve metrics for Prometheus at http://127.0.0.1:PORT/metrics (0: a free port, printed at the start)" };
        private readonly Option<string?> _metricsAddress = new Option<string?>("--metrics-address") { Description = "the address to serve metrics on (default 127.0.0.1; 0.0.0.0 for all addresses: no authentication, so firewall it)" };
        private readonly Option<LogLevel> _logLevel = new Option<LogLevel>("--log-level") { Description = "Debug, Information (default), Warning or Error", DefaultValueFactory = _ => LogLevel.Information };

        public void AddTo(Command command)
        {
            foreach (Option option in new Option[] { _programId, _heartbeatTopic, _heartbeatInterval, _logTopic, _logInterval, _logFile, _logLevel, _metricsPort, _metricsAddress })
            {
                command.Options.Add(option);
            }
        }

        /// <summary>
        /// Runs <paramref name="body"/> with a started monitor (or none when no option asks for one); the
        /// monitor sends its last heartbeat and records Stopped or Failed when the body ends.
        /// </summary>
        public int Run(ParseResult parse, KafkaSettings settings, ClientDiagnostics diagnostics, ProgramKind kind, string program, string topic,
            Func<ProgramMonitor?, int> body)
        {
            return MonitoredRun.Run(settings, Resolve(parse), diagnostics, kind, program, topic, monitor =>
            {
                if (monitor?.MetricsUrl is Uri metrics)
                {
                    CliConsole.ErrorLine($"serving metrics at {metrics}");
                }
                return body(monitor);
            });
        }

        private MonitorOptions? Resolve(ParseResult parse)
        {
            bool any = parse.GetResult(_programId) != null || parse.GetResult(_heartbeatTopic) != null || parse.GetResult(_logTopic) != null
                || parse.GetResult(_logFile) != null || parse.GetResult(_heartbeatInterval) != null || parse.GetResult(_logInterval) != null
                || parse.GetResult(_metricsPort) != null || parse.GetResult(_metricsAddress) != null;
            if (!any)
            {
                return null;
            }
            return new MonitorOptions
            {
                ProgramId = parse.GetValue(_programId),
                HeartbeatTopic = parse.GetValue(_heartbeatTopic),
                HeartbeatInterval = CliArguments.Seconds(parse.GetValue(_heartbeatInterval), "--heartbeat-interval") ?? Defaults.HeartbeatInterval,
                LogTopic = parse.GetValue(_logTopic),
                LogInterval = CliArguments.Seconds(parse.GetValue(_logInterval), "--log-interval") ?? Defaults.LogInterval,
                LogFile = parse.GetValue(_logFile),
                LogLevel = parse.GetValue(_logLevel),
                MetricsPort = parse.GetValue(_metricsPort) ?? (parse.GetResult(_metricsAddress) != null
                    ? throw new OpenMsiStream.Diagnostics.OpenMsiStreamException(OpenMsiStream.Diagnostics.ErrorIds.InvalidArgument,
                        "--metrics-address needs --metrics-port: the port to serve the metrics on.")
                    : (int?)null),
                MetricsAddress = parse.GetValue(_metricsAddress) ?? Defaults.MetricsAddress,
            };
        }
    }
}
