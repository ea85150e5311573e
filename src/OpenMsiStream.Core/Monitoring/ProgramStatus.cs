using System;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using OpenMsiStream.FileSystem;

namespace OpenMsiStream.Monitoring
{
    /// <summary>
    /// The local status file of a long-running program (<c>&lt;home&gt;/status/&lt;program id&gt;.json</c>),
    /// rewritten atomically with every heartbeat and when the program stops, so "is it alive?" has an
    /// answer even when Kafka is unreachable.
    /// </summary>
    public sealed class ProgramStatus
    {
        private static readonly JsonSerializerOptions Json = new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            Converters = { new JsonStringEnumConverter() },
        };

        public string ProgramId { get; set; } = string.Empty;

        public string Program { get; set; } = string.Empty;

        public string Host { get; set; } = string.Empty;

        public int ProcessId { get; set; }

        /// <summary>Running, Stopped (a clean end) or Failed.</summary>
        public string State { get; set; } = "Running";

        public DateTimeOffset StartedAt { get; set; }

        /// <summary>When this file was last written: with a running program, at most one heartbeat interval ago.</summary>
        public DateTimeOffset UpdatedAt { get; set; }

        public double HeartbeatIntervalSeconds { get; set; }

        public string? HeartbeatTopic { get; set; }

        public string? LogTopic { get; set; }

        public string? LogFile { get; set; }

        /// <summary>When the last heartbeat was handed to the producer (null without a heartbeat topic).</summary>
        public DateTimeOffset? LastHeartbeatAt { get; set; }

        public long FilesHandled { get; set; }

        public long MessagesRead { get; set; }

        public long MessagesProcessed { get; set; }

        public long MessagesProduced { get; set; }

        public long BytesProduced { get; set; }

        public long BytesProcessed { get; set; }

        public long Errors { get; set; }

        /// <summary>
        /// Consumers: messages on their assigned partitions not read yet, as of <see cref="UpdatedAt"/>;
        /// null for uploaders and until the first statistics (a few seconds after the start).
        /// </summary>
        public long? ConsumerLag { get; set; }

        /// <summary>
        /// Processors: how their results reach the result topic (ExactlyOnce, AtLeastOnce, or None without a
        /// result topic), once decided at the start; null for other programs and before.
        /// </summary>
        public Processing.ResultDelivery? ResultDelivery { get; set; }

        /// <summary>Why <see cref="ResultDelivery"/> (the broker's transactions or their lack, an option).</summary>
        public string? ResultDeliveryReason { get; set; }

        /// <summary>Where the program serves its metrics for Prometheus (null when not asked to).</summary>
        public string? MetricsUrl { get; set; }

        public string? LastError { get; set; }

        /// <summary>The product's error id of <see cref="LastError"/>, when it has one (BrokerUnreachable, ProcessingFailed, …).</summary>
        public string? LastErrorId { get; set; }

        public DateTimeOffset? LastErrorAt { get; set; }

        public static string PathFor(string statusDirectory, string programId) =>
            System.IO.Path.Combine(statusDirectory, OpenMsiStream.State.AppData.SafeName(programId) + ".json");

        public void Save(string path)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
        }

        /// <summary>The status in a file, or null when there is none or it cannot be read.</summary>
        public static ProgramStatus? TryRead(string path)
        {
            try
            {
                return File.Exists(path) ? JsonSerializer.Deserialize<ProgramStatus>(File.ReadAllText(path), Json) : null;
            }
            catch (Exception ex) when (ex is IOException || ex is JsonException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
