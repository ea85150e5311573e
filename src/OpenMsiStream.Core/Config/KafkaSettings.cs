using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Config
{
    /// <summary>
    /// Where the broker is and how to talk to it: the sections of an OpenMSIStream-format config file,
    /// or just a bootstrap address given on the command line. Values stay strings; librdkafka parses them.
    /// </summary>
    public sealed class KafkaSettings
    {
        public const string BrokerSection = "broker";
        public const string ProducerSection = "producer";
        public const string ConsumerSection = "consumer";

        /// <summary>Sections OpenMSIStream defines. Unknown sections are an error (a typo would otherwise be ignored).</summary>
        public static readonly IReadOnlyList<string> KnownSections = new[] { "broker", "producer", "consumer", "heartbeat", "log", "kafkacrypto", "s3" };

        private readonly Dictionary<string, List<ConfigEntry>> _sections;

        private KafkaSettings(string? sourceFile, Dictionary<string, List<ConfigEntry>> sections, string? workingDirectory)
        {
            SourceFile = sourceFile;
            _sections = sections;
            WorkingDirectory = workingDirectory ?? System.IO.Directory.GetCurrentDirectory();
        }

        /// <summary>
        /// What relative names in these settings (a KafkaCrypto node looked up in "the current directory")
        /// are relative to: the PowerShell location for the cmdlets, the current directory for the CLI.
        /// </summary>
        public string WorkingDirectory { get; }

        /// <summary>The config file these settings came from, or null when given on the command line.</summary>
        public string? SourceFile { get; }

        /// <summary>Human description of the source, for error messages.</summary>
        public string Source => SourceFile != null ? $"config file '{SourceFile}'" : "the command line";

        public string? BootstrapServers => Find(BrokerSection, "bootstrap.servers")?.Value;

        public IReadOnlyList<ConfigEntry> Section(string name) =>
            _sections.TryGetValue(name, out List<ConfigEntry>? entries) ? entries : (IReadOnlyList<ConfigEntry>)Array.Empty<ConfigEntry>();

        public ConfigEntry? Find(string section, string key) => Section(section).LastOrDefault(e => e.Key == key);

        /// <summary>Settings that only name the brokers, as <c>-BootstrapServers host:port</c> does.</summary>
        public static KafkaSettings FromBootstrapServers(string bootstrapServers, string? workingDirectory = null)
        {
            if (string.IsNullOrWhiteSpace(bootstrapServers))
            {
                throw new OpenMsiStreamException(ErrorIds.NoBrokerSpecified, "The bootstrap servers address is empty; give host:port of a Kafka broker.");
            }
            var sections = new Dictionary<string, List<ConfigEntry>>(StringComparer.Ordinal)
            {
                [BrokerSection] = new List<ConfigEntry> { new ConfigEntry("bootstrap.servers", bootstrapServers.Trim(), "-BootstrapServers") },
            };
            return new KafkaSettings(null, sections, workingDirectory);
        }

        /// <summary>Reads a config file (a path, or a name looked up as OpenMSIStream does).</summary>
        public static KafkaSettings FromFile(string pathOrName, Func<string, string?>? environment = null, string? workingDirectory = null)
        {
            environment ??= Environment.GetEnvironmentVariable;
            string path = ConfigFileLocator.Resolve(pathOrName, environment, workingDirectory);
            return new KafkaSettings(path, KafkaConfigFileReader.Read(path, environment), workingDirectory);
        }

        /// <summary>A copy whose bootstrap address is replaced (the command line wins over the file).</summary>
        public KafkaSettings WithBootstrapServers(string bootstrapServers)
        {
            var sections = _sections.ToDictionary(s => s.Key, s => s.Value.ToList(), StringComparer.Ordinal);
            if (!sections.TryGetValue(BrokerSection, out List<ConfigEntry>? broker))
            {
                broker = new List<ConfigEntry>();
                sections[BrokerSection] = broker;
            }
            broker.RemoveAll(e => e.Key == "bootstrap.servers");
            broker.Add(new ConfigEntry("bootstrap.servers", bootstrapServers.Trim(), "-BootstrapServers"));
            return new KafkaSettings(SourceFile, sections, WorkingDirectory);
        }

        /// <summary>A copy with these entries added to <paramref name="section"/> (entries already there win).</summary>
        public KafkaSettings WithDefaults(string section, IEnumerable<KeyValuePair<string, string>> entries, string origin)
        {
            var sections = _sections.ToDictionary(s => s.Key, s => s.Value.ToList(), StringComparer.Ordinal);
            if (!sections.TryGetValue(section, out List<ConfigEntry>? list))
            {
                list = new List<ConfigEntry>();
                sections[section] = list;
            }
            foreach (KeyValuePair<string, string> entry in entries)
            {
                if (!list.Any(e => e.Key == entry.Key))
                {
                    list.Insert(0, new ConfigEntry(entry.Key, entry.Value, origin));
                }
            }
            return new KafkaSettings(SourceFile, sections, WorkingDirectory);
        }

        /// <summary>Throws a lab-readable error when no broker address is configured.</summary>
        public string RequireBootstrapServers()
        {
            string? servers = BootstrapServers;
            if (string.IsNullOrWhiteSpace(servers))
            {
                throw new OpenMsiStreamException(ErrorIds.NoBrokerSpecified,
                    $"{Source} does not say where the broker is: add 'bootstrap.servers = host:port' under [broker].", target: SourceFile);
            }
            return servers!;
        }
    }
}
