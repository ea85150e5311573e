using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Wire
{
    /// <summary>
    /// User metadata that travels with a file (its sample, instrument, operator): one Kafka header,
    /// <c>openmsistream.metadata</c>, holding a JSON object of strings, on every chunk of the file.
    /// Headers are beside the message, not in it, so OpenMSIStream's consumers read the chunks as
    /// before and ignore it. Bounded in size, so a file's metadata can never push a chunk over the
    /// broker's message limit, and checked on receipt as untrusted input.
    /// </summary>
    public sealed class FileMetadata
    {
        public const string HeaderName = "openmsistream.metadata";

        /// <summary>Most bytes of JSON a file's metadata may take (the chunk-size check leaves 2,048 bytes, less the key).</summary>
        public const int MaxBytes = 1024;

        private static readonly FileMetadata NoneValue = new FileMetadata(new SortedDictionary<string, string>(StringComparer.Ordinal), Array.Empty<byte>());

        private FileMetadata(IReadOnlyDictionary<string, string> values, byte[] header)
        {
            Values = values;
            Header = header;
        }

        public static FileMetadata None => NoneValue;

        public IReadOnlyDictionary<string, string> Values { get; }

        public bool IsEmpty => Values.Count == 0;

        /// <summary>The header value (UTF-8 JSON); empty when there is no metadata.</summary>
        public byte[] Header { get; }

        /// <summary>Metadata given by a user (a hashtable, --metadata key=value, a sidecar file); throws InvalidArgument when it cannot travel.</summary>
        public static FileMetadata From(IEnumerable<KeyValuePair<string, string>> values, string origin)
        {
            var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, string> entry in values)
            {
                if (string.IsNullOrWhiteSpace(entry.Key))
                {
                    throw Invalid($"{origin}: a metadata key is empty.");
                }
                sorted[entry.Key] = entry.Value ?? string.Empty;
            }
            if (sorted.Count == 0)
            {
                return None;
            }
            byte[] header = JsonSerializer.SerializeToUtf8Bytes(sorted);
            if (header.Length > MaxBytes)
            {
                throw Invalid($"{origin}: metadata takes {header.Length} bytes as JSON; at most {MaxBytes} travel with a file (it rides on every chunk). Keep large descriptions in a file of their own.");
            }
            return new FileMetadata(sorted, header);
        }

        /// <summary>The same metadata with <paramref name="more"/> on top (later keys win).</summary>
        public FileMetadata With(FileMetadata more, string origin) =>
            more.IsEmpty ? this : IsEmpty ? more : From(Values.Concat(more.Values).GroupBy(e => e.Key).Select(g => g.Last()), origin);

        /// <summary>
        /// Reads the metadata header of a received chunk; None when there is none. A header that is not a
        /// JSON object of strings, or too large, yields null: the file is received without it and the
        /// caller says so.
        /// </summary>
        public static FileMetadata? Read(byte[]? header)
        {
            if (header == null || header.Length == 0)
            {
                return None;
            }
            if (header.Length > MaxBytes)
            {
                return null;
            }
            try
            {
                using JsonDocument document = JsonDocument.Parse(header);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }
                var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (JsonProperty property in document.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String || property.Name.Length == 0)
                    {
                        return null;
                    }
                    values[property.Name] = property.Value.GetString()!;
                }
                return values.Count == 0 ? None : new FileMetadata(values, header);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        /// <summary>Metadata as received (<c>ReceivedFile.Metadata</c>) as one JSON object, <c>{}</c> when empty: what programs and command lines are given.</summary>
        public static string ToJson(IReadOnlyDictionary<string, string> values) =>
            JsonSerializer.Serialize(new SortedDictionary<string, string>(values.ToDictionary(v => v.Key, v => v.Value), StringComparer.Ordinal));

        public override string ToString() => IsEmpty ? string.Empty : Encoding.UTF8.GetString(Header);

        private static OpenMsiStreamException Invalid(string message) => new OpenMsiStreamException(ErrorIds.InvalidArgument, message);
    }
}
