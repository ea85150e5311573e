using System;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OpenMsiStream.Monitoring
{
    /// <summary>
    /// One heartbeat read back from its topic: who sent it, when, and the counters since the
    /// previous one. Counters a program kind does not send (an uploader reads nothing) are null.
    /// </summary>
    public sealed class Heartbeat
    {
        private const string KeySuffix = "_heartbeat";

        public string ProgramId { get; private set; } = string.Empty;

        public DateTimeOffset Timestamp { get; private set; }

        public long? MessagesRead { get; private set; }

        public long? MessagesProcessed { get; private set; }

        public long? BytesRead { get; private set; }

        public long? BytesProcessed { get; private set; }

        public long? MessagesProduced { get; private set; }

        public long? BytesProduced { get; private set; }

        /// <summary>A consumer's messages not read yet when it sent this (OpenMsiStream's addition; null when not sent).</summary>
        public long? ConsumerLag { get; private set; }

        /// <summary>A processor's result delivery when it sent this: "exactly_once" or "at_least_once" (OpenMsiStream's addition; null when not sent).</summary>
        public string? ResultDelivery { get; private set; }

        public string Topic { get; private set; } = string.Empty;

        public int Partition { get; private set; }

        public long Offset { get; private set; }

        /// <summary>How long ago it was sent, when it was read.</summary>
        public TimeSpan Age { get; private set; }

        /// <summary>The program id of a heartbeat key, or null when the key is not one (log messages often share the topic).</summary>
        public static string? ProgramIdOf(byte[]? key)
        {
            if (key == null)
            {
                return null;
            }
            string text = Encoding.UTF8.GetString(key);
            return text.EndsWith(KeySuffix, StringComparison.Ordinal) && text.Length > KeySuffix.Length ? text.Substring(0, text.Length - KeySuffix.Length) : null;
        }

        /// <summary>Parses a heartbeat's JSON value; <see cref="FormatException"/> says what is wrong with it.</summary>
        public static Heartbeat Parse(string programId, byte[] value, string topic, int partition, long offset, DateTimeOffset now)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(value);
            }
            catch (JsonException ex)
            {
                throw new FormatException($"it is not JSON ({ex.Message})", ex);
            }
            using (document)
            {
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException("it is not a JSON object");
                }
                if (!root.TryGetProperty("timestamp", out JsonElement stamp) || stamp.ValueKind != JsonValueKind.String
                    || !DateTimeOffset.TryParse(stamp.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset timestamp))
                {
                    throw new FormatException("it has no ISO-8601 'timestamp'");
                }
                return new Heartbeat
                {
                    ProgramId = programId,
                    Timestamp = timestamp.ToUniversalTime(),
                    MessagesRead = Counter(root, "n_messages_read"),
                    MessagesProcessed = Counter(root, "n_messages_processed"),
                    BytesRead = Counter(root, "n_bytes_read"),
                    BytesProcessed = Counter(root, "n_bytes_processed"),
                    MessagesProduced = Counter(root, "n_messages_produced"),
                    BytesProduced = Counter(root, "n_bytes_produced"),
                    ConsumerLag = Counter(root, MonitorMessages.ConsumerLagField),
                    ResultDelivery = root.TryGetProperty(MonitorMessages.ResultDeliveryField, out JsonElement delivery) && delivery.ValueKind == JsonValueKind.String ? delivery.GetString() : null,
                    Topic = topic,
                    Partition = partition,
                    Offset = offset,
                    Age = now - timestamp,
                };
            }
        }

        private static long? Counter(JsonElement root, string name)
        {
            if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long number) || number < 0)
            {
                throw new FormatException($"'{name}' is not a count");
            }
            return number;
        }
    }
}
