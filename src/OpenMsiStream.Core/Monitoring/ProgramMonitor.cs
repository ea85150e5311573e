using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Kafka;
using OpenMsiStream.Messaging;

namespace OpenMsiStream.Monitoring
{
    /// <summary>
    /// Keeps a long-running program visible: heartbeats and log lines on topics (OpenMSIStream's keys
    /// and JSON), a rotating log file that also gets librdkafka's messages, and a local status file.
    /// Heartbeats and logs are best effort: a broker that is down costs a warning in the log file,
    /// never the program's own work. The first heartbeat goes out at once and a last one at the end.
    /// </summary>
    public sealed class ProgramMonitor : IDisposable
    {
        private static readonly TimeSpan FlushBound = TimeSpan.FromSeconds(5);
        private readonly MonitorOptions _options;
        private readonly ProgramKind _kind;
        private readonly EncryptingProducer? _producer;
        private readonly ClientDiagnostics _ownDiagnostics = new ClientDiagnostics();
        private readonly ProgramStatus _status;
        private readonly string _statusPath;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly object _gate = new object();
        private Thread? _thread;
        private CounterSnapshot _lastHeartbeat = CounterSnapshot.Zero;
        private Processing.ResultDeliveryDecision? _resultDelivery;
        private readonly RepeatFilter _repeats = new RepeatFilter(TimeSpan.FromMinutes(1));
        private bool _stopped;
        private bool _disposed;
        private readonly OpenMsiStream.Metrics.PrometheusExport? _export;
        private readonly OpenMsiStream.Metrics.MetricsServer? _metricsServer;

        public ProgramMonitor(KafkaSettings? settings, MonitorOptions options, ProgramKind kind, string program, string topic)
        {
            options.Validate();
            _options = options;
            _kind = kind;
            ProgramId = options.ResolveProgramId(program, topic);
            Metrics = new ProgramMetrics(ProgramId);
            string? logFile = options.LogFile == null
                ? Path.Combine(MonitorOptions.DefaultLogDirectory(), State.AppData.SafeName(ProgramId) + ".log")
                : options.LogFile.Length == 0 ? null : Path.GetFullPath(options.LogFile);
            Log = new ProgramLog(ProgramId, logFile, options.LogLevel);
            _statusPath = ProgramStatus.PathFor(options.StatusDirectory ?? MonitorOptions.DefaultStatusDirectory(), ProgramId);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            _status = new ProgramStatus
            {
                ProgramId = ProgramId,
                Program = program,
                Host = Environment.MachineName,
                ProcessId = Process.GetCurrentProcess().Id,
                StartedAt = now,
                UpdatedAt = now,
                HeartbeatIntervalSeconds = options.HeartbeatInterval.TotalSeconds,
                HeartbeatTopic = options.HeartbeatTopic,
                LogTopic = options.LogTopic,
                LogFile = logFile,
            };
            if (settings != null && (options.HeartbeatTopic != null || options.LogTopic != null))
            {
                _ownDiagnostics.Message += message =>
                {
                    if (message.Level >= DiagnosticLevel.Warning)
                    {
                        Log.Write(LogLevel.Debug, $"heartbeat/log producer: {message.Source}: {message.Text}");
                    }
                };
                // Heartbeats and logs are encrypted too when the config turns KafkaCrypto on (as OpenMSIStream does since PR #73).
                _producer = SecureMessaging.Producer(settings, KafkaClientFactory.ProducerProperties(settings), _ownDiagnostics);
            }
            if (options.MetricsPort is int port)
            {
                // Here, in the constructor: a port in use fails the program before it does any work.
                _export = new OpenMsiStream.Metrics.PrometheusExport(Metrics.Meter);
                try
                {
                    _metricsServer = OpenMsiStream.Metrics.MetricsServer.Start(OpenMsiStream.Metrics.MetricsServer.ParseAddress(options.MetricsAddress), port, _export.WriteAsync);
                }
                catch
                {
                    _producer?.Dispose();
                    _export.Dispose();
                    Metrics.Dispose();
                    Log.Dispose();
                    throw;
                }
                _status.MetricsUrl = _metricsServer.Url.ToString();
            }
        }

        public string ProgramId { get; }

        /// <summary>Which counters the heartbeats carry: an uploader's, a processor's, or a processor's with results.</summary>
        public ProgramKind Kind => _kind;

        public ProgramLog Log { get; }

        public ProgramCounters Counters { get; } = new ProgramCounters();

        /// <summary>The program's System.Diagnostics.Metrics instruments (served for Prometheus with <see cref="MonitorOptions.MetricsPort"/>).</summary>
        public ProgramMetrics Metrics { get; }

        /// <summary>Where the metrics are served, or null when they are not.</summary>
        public Uri? MetricsUrl => _metricsServer?.Url;

        public string StatusPath => _statusPath;

        /// <summary>
        /// Sends librdkafka's messages for the program's own clients to the log at their level. A
        /// message repeated within a minute (librdkafka retries a dead broker every few milliseconds)
        /// is written once, then counted, so a broker that is down for a week does not fill the disk.
        /// </summary>
        public void Capture(ClientDiagnostics diagnostics)
        {
            diagnostics.Message += message =>
            {
                string text = $"{message.Source}: {message.Text}";
                // Keyed by the text alone: the same refusal seen by the producer and the consumer, or by
                // the log and the error callback of one client, is one line.
                int suppressed = _repeats.Admit(message.Text, DateTimeOffset.UtcNow);
                if (suppressed < 0)
                {
                    return;
                }
                Log.Write(message.Level switch
                {
                    DiagnosticLevel.Error => LogLevel.Error,
                    DiagnosticLevel.Warning => LogLevel.Warning,
                    DiagnosticLevel.Info => LogLevel.Information,
                    _ => LogLevel.Debug,
                }, suppressed > 0 ? $"{text} (and {suppressed} more times in the last minute)" : text);
            };
        }

        /// <summary>A processor decided how its results are delivered: in every heartbeat and status from now on.</summary>
        public void ResultDeliveryDecided(Processing.ResultDeliveryDecision decision) => Volatile.Write(ref _resultDelivery, decision);

        /// <summary>An error the program reported: counted, logged with its id, and the latest one kept in the status file.</summary>
        public void Error(string message, string? errorId = null)
        {
            Counters.Error();
            Metrics.Error(errorId);
            Log.Error(errorId == null ? message : $"{errorId}: {message}");
            lock (_gate)
            {
                _status.LastError = message;
                _status.LastErrorId = errorId;
                _status.LastErrorAt = DateTimeOffset.UtcNow;
            }
        }

        /// <summary>Writes the first status and heartbeat, then keeps them going on a background thread.</summary>
        public void Start()
        {
            Log.Information($"{_status.Program} started as '{ProgramId}' (process {_status.ProcessId}).");
            if (_metricsServer != null)
            {
                Log.Information($"Serving metrics for Prometheus at {_metricsServer.Url}.");
            }
            Beat(DateTimeOffset.UtcNow, withLog: true);
            _thread = new Thread(Loop) { IsBackground = true, Name = "OpenMsiStream monitor " + ProgramId };
            _thread.Start();
        }

        /// <summary>The last heartbeat, log message and status (Stopped, or Failed with the reason).</summary>
        public void Stop(string? failure = null, string? errorId = null)
        {
            lock (_gate)
            {
                if (_stopped)
                {
                    return;
                }
                _stopped = true;
            }
            _stop.Cancel();
            _thread?.Join();
            if (failure != null)
            {
                Error(failure, errorId);
            }
            Log.Information($"{_status.Program} '{ProgramId}' {(failure == null ? "stopped" : "failed")}.");
            lock (_gate)
            {
                _status.State = failure == null ? "Stopped" : "Failed";
            }
            Beat(DateTimeOffset.UtcNow, withLog: true);
            _producer?.Producer.Flush(FlushBound);
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            Stop();
            _producer?.Dispose();
            _metricsServer?.Dispose();
            _export?.Dispose();
            Metrics.Dispose();
            Log.Dispose();
            _stop.Dispose();
        }

        private void Loop()
        {
            DateTimeOffset nextHeartbeat = DateTimeOffset.UtcNow + _options.HeartbeatInterval;
            DateTimeOffset nextLog = DateTimeOffset.UtcNow + _options.LogInterval;
            while (true)
            {
                DateTimeOffset next = nextHeartbeat < nextLog ? nextHeartbeat : nextLog;
                TimeSpan wait = next - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero && _stop.Token.WaitHandle.WaitOne(wait))
                {
                    return;
                }
                DateTimeOffset now = DateTimeOffset.UtcNow;
                if (now >= nextHeartbeat)
                {
                    Beat(now, withLog: false);
                    nextHeartbeat = now + _options.HeartbeatInterval;
                }
                if (now >= nextLog)
                {
                    SendLog(now);
                    nextLog = now + _options.LogInterval;
                }
            }
        }

        private void Beat(DateTimeOffset now, bool withLog)
        {
            CounterSnapshot current = Counters.Snapshot();
            CounterSnapshot since = current.Since(_lastHeartbeat);
            _lastHeartbeat = current;
            long? lag = _kind == ProgramKind.Uploader ? null : Metrics.ConsumerLag;
            Processing.ResultDeliveryDecision? delivery = Volatile.Read(ref _resultDelivery);
            if (_options.HeartbeatTopic != null)
            {
                Produce(_options.HeartbeatTopic, MonitorMessages.HeartbeatKey(ProgramId), MonitorMessages.Heartbeat(_kind, since, now, lag, delivery));
            }
            if (withLog)
            {
                SendLog(now);
            }
            lock (_gate)
            {
                _status.UpdatedAt = now;
                if (_options.HeartbeatTopic != null)
                {
                    _status.LastHeartbeatAt = now;
                }
                _status.FilesHandled = current.FilesHandled;
                _status.MessagesRead = current.MessagesRead;
                _status.MessagesProcessed = current.MessagesProcessed;
                _status.MessagesProduced = current.MessagesProduced;
                _status.BytesProduced = current.BytesProduced;
                _status.BytesProcessed = current.BytesProcessed;
                _status.Errors = current.Errors;
                _status.ConsumerLag = lag;
                _status.ResultDelivery = delivery?.Delivery;
                _status.ResultDeliveryReason = delivery?.Why;
                try
                {
                    _status.Save(_statusPath);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    Log.Warning($"Could not write the status file '{_statusPath}': {ex.Message}");
                }
            }
        }

        private void SendLog(DateTimeOffset now)
        {
            if (_options.LogTopic == null)
            {
                Log.TakeBuffered(); // nothing reads them: keep the buffer from filling
                return;
            }
            var lines = Log.TakeBuffered();
            if (lines.Count > 0)
            {
                Produce(_options.LogTopic, MonitorMessages.LogKey(ProgramId), MonitorMessages.Log(lines, now));
            }
        }

        private void Produce(string topic, string key, string value)
        {
            if (_producer == null)
            {
                return;
            }
            try
            {
                _producer.Producer.Produce(topic, _producer.Encrypt(topic, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value)), report =>
                {
                    if (report.Error.IsError)
                    {
                        Log.Write(LogLevel.Warning, $"A message to topic '{topic}' was not delivered: {report.Error.Reason}");
                    }
                });
            }
            catch (KafkaException ex)
            {
                Log.Warning($"A message to topic '{topic}' could not be queued: {ex.Error.Reason}");
            }
        }
    }
}
