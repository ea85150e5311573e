using System.Collections.Generic;
using OpenMsiStream.Monitoring;

namespace OpenMsiStream.Operations
{
    /// <summary>The options several operations share, declared once.</summary>
    public static class OptionGroups
    {
        /// <summary>Every command that talks to a broker.</summary>
        public static IReadOnlyList<OperationOption> Broker { get; } = new[]
        {
            new OperationOption("Config", OptionKind.ConfigFile, "OpenMSIStream-format config file (a path, or a name looked up in $OPENMSISTREAM_CONFIG_FILE_DIR)"),
            new OperationOption("BootstrapServers", OptionKind.Text, "host:port of the Kafka broker(s); overrides bootstrap.servers from --config"),
            new OperationOption("Verbose", OptionKind.Switch, "print the Kafka client's own messages to stderr").AsCommonParameter(),
        };

        /// <summary>Heartbeats, logs, the status file and metrics of the long-running programs: monitoring is on when any is given.</summary>
        public static IReadOnlyList<OperationOption> Monitoring { get; } = new[]
        {
            new OperationOption("ProgramId", OptionKind.Text, "names this program in heartbeat/log keys and its status and log files (default <host>_<command>_<topic>)"),
            new OperationOption("HeartbeatTopic", OptionKind.Text, "topic for heartbeats (<program id>_heartbeat, JSON with counters since the last one)"),
            new OperationOption("HeartbeatInterval", OptionKind.Seconds, "seconds between heartbeats and status-file updates", Defaults.HeartbeatInterval),
            new OperationOption("LogTopic", OptionKind.Text, "topic for log lines (<program id>_log)"),
            new OperationOption("LogInterval", OptionKind.Seconds, "seconds between log messages", Defaults.LogInterval),
            new OperationOption("LogFile", OptionKind.Path, "the rotating log file (default <home>/logs/<program id>.log)"),
            new OperationOption("LogLevel", OptionKind.Choice, "Debug, Information, Warning or Error", LogLevel.Information).Of(typeof(LogLevel)),
            new OperationOption("MetricsPort", OptionKind.Port, "serve metrics for Prometheus at http://127.0.0.1:PORT/metrics (0: a free port, printed at the start)"),
            new OperationOption("MetricsAddress", OptionKind.Text, "the address to serve metrics on (0.0.0.0 for all addresses: no authentication, so firewall it)", Defaults.MetricsAddress),
        };

        /// <summary>Commands that consume data topics: what to do on topics encrypted with KafkaCrypto (only with a [kafkacrypto] section).</summary>
        public static IReadOnlyList<OperationOption> Decryption { get; } = new[]
        {
            new OperationOption("TreatUndecryptableAsPlaintext", OptionKind.Switch, "use messages that are not KafkaCrypto-encrypted as they are (topics that mix plain and encrypted messages)"),
            new OperationOption("MaxWaitPerDecrypt", OptionKind.SecondsOrZero, "seconds to wait for a message's key once the first message was handled", Defaults.MaxWaitPerDecrypt),
            new OperationOption("MaxInitialWaitPerDecrypt", OptionKind.SecondsOrZero, "seconds to wait for the key of the first encrypted message, while the key exchange runs", Defaults.MaxInitialWaitPerDecrypt),
        };

        /// <summary>When a consumer stops by itself.</summary>
        public static IReadOnlyList<OperationOption> Stopping { get; } = new[]
        {
            new OperationOption("Count", OptionKind.Count, "stop after this many files"),
            new OperationOption("IdleTimeout", OptionKind.Seconds, "stop when no message arrived for this many seconds"),
        };

        public static OperationOption Filter { get; } =
            new OperationOption("Filter", OptionKind.Pattern, "regular expression on the relative path (POSIX separators); other files are skipped");

        public static OperationOption MaxMemoryFileSize(string? cmdletOnly = null)
        {
            var option = new OperationOption("MaxMemoryFileSize", OptionKind.Bytes, "largest file kept in memory", Defaults.MaxMemoryFileSize);
            return cmdletOnly == null ? option : option.OnlyInPowerShell(cmdletOnly);
        }
    }
}
