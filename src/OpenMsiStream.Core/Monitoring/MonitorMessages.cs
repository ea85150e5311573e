using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace OpenMsiStream.Monitoring
{
    /// <summary>
    /// The heartbeat and log messages of OpenMSIStream (reference §5): keys <c>&lt;program id&gt;_heartbeat</c>
    /// and <c>&lt;program id&gt;_log</c>, JSON values, timestamps in UTC as Python's isoformat() writes them.
    /// </summary>
    public static class MonitorMessages
    {
        public static string HeartbeatKey(string programId) => programId + "_heartbeat";

        public static string LogKey(string programId) => programId + "_log";

        /// <summary>UTC, microseconds, "+00:00": what datetime.now(timezone.utc).isoformat() gives.</summary>
        public static string Timestamp(DateTimeOffset time) =>
            time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

        /// <param name="consumerLag">
        /// Consumers only: messages on their partitions not read yet. An addition to OpenMSIStream's fields,
        /// after them, left out when not known; readers that do not know it ignore it (it is not an
        /// <c>n_</c> count since the previous heartbeat but a level at the time of this one).
        /// </param>
        /// <param name="resultDelivery">
        /// Processors with a result topic: how their results are delivered and why, as
        /// <see cref="ResultDeliveryField"/> and <see cref="ResultDeliveryReasonField"/> (additions too, after
        /// OpenMSIStream's fields); left out before the processor decided.
        /// </param>
        public static string Heartbeat(ProgramKind kind, CounterSnapshot sincePrevious, DateTimeOffset now, long? consumerLag = null,
            Processing.ResultDeliveryDecision? resultDelivery = null) => Json(writer =>
        {
            writer.WriteString("timestamp", Timestamp(now));
            if (kind != ProgramKind.Uploader)
            {
                writer.WriteNumber("n_messages_read", sincePrevious.MessagesRead);
                writer.WriteNumber("n_messages_processed", sincePrevious.MessagesProcessed);
                writer.WriteNumber("n_bytes_read", sincePrevious.BytesRead);
                writer.WriteNumber("n_bytes_processed", sincePrevious.BytesProcessed);
            }
            if (kind != ProgramKind.Processor)
            {
                writer.WriteNumber("n_messages_produced", sincePrevious.MessagesProduced);
                writer.WriteNumber("n_bytes_produced", sincePrevious.BytesProduced);
            }
            if (kind != ProgramKind.Uploader && consumerLag is long lag)
            {
                writer.WriteNumber(ConsumerLagField, lag);
            }
            if (kind != ProgramKind.Uploader && resultDelivery != null && resultDelivery.Delivery != Processing.ResultDelivery.None)
            {
                writer.WriteString(ResultDeliveryField, ResultDeliveryValue(resultDelivery.Delivery));
                writer.WriteString(ResultDeliveryReasonField, resultDelivery.Why);
            }
        });

        /// <summary>The heartbeat field of a processor's result delivery: "exactly_once" or "at_least_once".</summary>
        public const string ResultDeliveryField = "result_delivery";

        /// <summary>The heartbeat field that says why the processor's results are delivered so.</summary>
        public const string ResultDeliveryReasonField = "result_delivery_reason";

        /// <summary>A delivery as the heartbeats write it (snake case, like OpenMSIStream's field names).</summary>
        public static string ResultDeliveryValue(Processing.ResultDelivery delivery) => delivery switch
        {
            Processing.ResultDelivery.ExactlyOnce => "exactly_once",
            Processing.ResultDelivery.AtLeastOnce => "at_least_once",
            _ => "none",
        };

        /// <summary>The heartbeat field of a consumer's lag.</summary>
        public const string ConsumerLagField = "consumer_lag";

        public static string Log(IReadOnlyList<string> lines, DateTimeOffset now) => Json(writer =>
        {
            writer.WriteString("timestamp", Timestamp(now));
            writer.WriteStartArray("messages");
            foreach (string line in lines)
            {
                writer.WriteStringValue(line);
            }
            writer.WriteEndArray();
        });

        private static string Json(Action<Utf8JsonWriter> body)
        {
            using var buffer = new MemoryStream();
            // Relaxed escaping keeps non-ASCII file names readable in the topic.
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                writer.WriteStartObject();
                body(writer);
                writer.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }
    }
}
