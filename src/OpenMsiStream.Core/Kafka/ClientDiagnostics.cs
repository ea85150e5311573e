using System;

namespace OpenMsiStream.Kafka
{
    public enum DiagnosticLevel
    {
        Debug,
        Info,
        Warning,
        Error,
    }

    /// <summary>A message from a Kafka client (librdkafka's log and error callbacks) or from Core itself.</summary>
    public sealed class DiagnosticMessage
    {
        public DiagnosticMessage(DiagnosticLevel level, string source, string text)
        {
            Level = level;
            Source = source;
            Text = text;
            Time = DateTimeOffset.Now;
        }

        public DiagnosticLevel Level { get; }

        public string Source { get; }

        public string Text { get; }

        public DateTimeOffset Time { get; }

        public override string ToString() => $"{Level}: {Source}: {Text}";
    }

    /// <summary>
    /// Collects what librdkafka reports on its own threads, so errors can name the real cause
    /// ("Connection refused", "SASL authentication error") instead of "Local: Timed out", and so the
    /// front ends can show it (Verbose stream, log file) without librdkafka printing to the console.
    /// </summary>
    public sealed class ClientDiagnostics
    {
        private readonly object _gate = new object();
        private string? _lastErrorReason;
        private bool _lastErrorWasAuthentication;
        private bool _allBrokersDown;
        private string? _fatalError;

        /// <summary>Whether a broker can be reached now, for warnings about outages.</summary>
        public BrokerReachability Reachability { get; } = new BrokerReachability();

        /// <summary>Raised on librdkafka's threads; handlers must be quick and thread-safe.</summary>
        public event Action<DiagnosticMessage>? Message;

        /// <summary>The most recent client error text, if any.</summary>
        public string? LastErrorReason
        {
            get
            {
                lock (_gate)
                {
                    return _lastErrorReason;
                }
            }
        }

        /// <summary>Whether the most recent client error was an authentication failure.</summary>
        public bool LastErrorWasAuthentication
        {
            get
            {
                lock (_gate)
                {
                    return _lastErrorWasAuthentication;
                }
            }
        }

        /// <summary>Whether librdkafka last said that no broker connection is up.</summary>
        public bool AllBrokersDown
        {
            get
            {
                lock (_gate)
                {
                    return _allBrokersDown;
                }
            }
        }

        /// <summary>
        /// A fatal client error (the idempotent producer can no longer guarantee order, for example):
        /// the client must be replaced. Null while there was none.
        /// </summary>
        public string? FatalError
        {
            get
            {
                lock (_gate)
                {
                    return _fatalError;
                }
            }
        }

        /// <summary>Forgets the fatal error once the client that had it was replaced.</summary>
        internal void ClearFatalError()
        {
            lock (_gate)
            {
                _fatalError = null;
            }
        }

        internal void RecordError(string source, string reason, bool isAuthentication, bool allBrokersDown = false, bool isFatal = false, bool isConnectionFailure = false)
        {
            if (isConnectionFailure || allBrokersDown)
            {
                Reachability.ConnectionFailed(reason, DateTime.UtcNow, allBrokersDown);
            }
            lock (_gate)
            {
                if (isFatal)
                {
                    _fatalError ??= reason;
                }
                // "All broker connections are down" says less than the error before it (for example
                // "Connection refused"), so it does not replace that reason.
                if (!allBrokersDown || _lastErrorReason == null)
                {
                    _lastErrorReason = reason;
                }
                _lastErrorWasAuthentication = isAuthentication || (allBrokersDown && _lastErrorWasAuthentication);
                _allBrokersDown |= allBrokersDown; // stays set: later refusals do not mean a broker came up
            }
            Publish(DiagnosticLevel.Error, source, reason);
        }

        internal void Publish(DiagnosticLevel level, string source, string text) => Message?.Invoke(new DiagnosticMessage(level, source, text));
    }
}
