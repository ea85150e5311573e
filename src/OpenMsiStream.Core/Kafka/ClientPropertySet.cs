using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Native;

namespace OpenMsiStream.Kafka
{
    /// <summary>
    /// The librdkafka properties for one client, merged in order (product defaults, then [broker],
    /// then [producer] or [consumer], then what the program requires), each remembering its origin.
    /// OpenMSIStream-only keys (serializer names, <c>group.id = create_new</c>) are understood here and
    /// never reach librdkafka.
    /// </summary>
    internal sealed class ClientPropertySet
    {
        private static readonly string[] KnownSerializers = { "StringSerializer", "IntegerSerializer", "DoubleSerializer", "DataFileChunkSerializer" };
        private static readonly string[] KnownDeserializers = { "StringDeserializer", "IntegerDeserializer", "DoubleDeserializer", "DataFileChunkDeserializer" };

        private readonly Dictionary<string, ConfigEntry> _entries = new Dictionary<string, ConfigEntry>(StringComparer.Ordinal);

        public IEnumerable<ConfigEntry> Entries => _entries.Values;

        public string? this[string key] => _entries.TryGetValue(key, out ConfigEntry? entry) ? entry.Value : null;

        public ConfigEntry? Entry(string key) => _entries.TryGetValue(key, out ConfigEntry? entry) ? entry : null;

        public void Set(string key, string value, string origin) => _entries[key] = new ConfigEntry(key, value, origin);

        public void Remove(string key) => _entries.Remove(key);

        /// <summary>Adds entries that already name librdkafka properties (null: nothing).</summary>
        public void AddEntries(IEnumerable<ConfigEntry>? entries)
        {
            foreach (ConfigEntry entry in entries ?? Enumerable.Empty<ConfigEntry>())
            {
                _entries[entry.Key] = entry;
            }
        }

        public void AddSection(KafkaSettings settings, string section)
        {
            foreach (ConfigEntry entry in settings.Section(section))
            {
                switch (entry.Key)
                {
                    case "key.serializer":
                    case "value.serializer":
                        RequireKnown(entry, KnownSerializers);
                        break;
                    case "key.deserializer":
                    case "value.deserializer":
                        RequireKnown(entry, KnownDeserializers);
                        break;
                    default:
                        _entries[entry.Key] = entry;
                        break;
                }
            }
        }

        /// <summary>
        /// Checks every property with librdkafka itself, one at a time, so an unknown or invalid one is
        /// reported with its name and the file and section it came from.
        /// </summary>
        public void Validate()
        {
            NativeLibraryResolver.EnsureInstalled();
            ValidateWithLibrdkafka();
        }

        /// <summary>Never inlined into <see cref="Validate"/>: Mono binds P/Invokes when it compiles a method (see LocalKafkaBroker.StartCluster).</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private void ValidateWithLibrdkafka()
        {
            IntPtr conf = LibRdKafkaNative.rd_kafka_conf_new();
            try
            {
                foreach (ConfigEntry entry in _entries.Values.Where(e => !e.Key.StartsWith("dotnet.", StringComparison.Ordinal)))
                {
                    var error = new StringBuilder(512);
                    int result = LibRdKafkaNative.rd_kafka_conf_set(conf, LibRdKafkaNative.Utf8z(entry.Key), LibRdKafkaNative.Utf8z(entry.Value), error, (UIntPtr)error.Capacity);
                    if (result != LibRdKafkaNative.ConfOk)
                    {
                        string what = result == LibRdKafkaNative.ConfUnknown
                            ? $"'{entry.Key}' is not a Kafka client property"
                            : $"'{entry.Key} = {entry.Value}' is not a valid setting";
                        throw new OpenMsiStreamException(ErrorIds.ConfigInvalidProperty,
                            $"{entry.Origin}: {what} (librdkafka: {error}).", target: entry.Key);
                    }
                }
            }
            finally
            {
                LibRdKafkaNative.rd_kafka_conf_destroy(conf);
            }
        }

        public Dictionary<string, string> ToDictionary() => _entries.Values.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

        private static void RequireKnown(ConfigEntry entry, string[] known)
        {
            if (!known.Contains(entry.Value))
            {
                throw new OpenMsiStreamException(ErrorIds.ConfigInvalidProperty,
                    $"{entry.Origin}: {entry.Key} = {entry.Value} is not one of OpenMSIStream's names ({string.Join(", ", known)}).", target: entry.Key);
            }
        }
    }
}
