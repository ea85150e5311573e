using System.CommandLine;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Cli.Infrastructure
{
    /// <summary>--config and --bootstrap-servers, shared by every command that talks to a broker.</summary>
    internal sealed class BrokerOptions
    {
        public Option<string?> Config { get; } = new Option<string?>("--config")
        {
            Description = "OpenMSIStream-format config file (a path, or a name looked up in $OPENMSISTREAM_CONFIG_FILE_DIR)",
        };

        public Option<string?> BootstrapServers { get; } = new Option<string?>("--bootstrap-servers")
        {
            Description = "host:port of the Kafka broker(s); overrides bootstrap.servers from --config",
        };

        public void AddTo(Command command)
        {
            command.Options.Add(Config);
            command.Options.Add(BootstrapServers);
        }

        public KafkaSettings Resolve(ParseResult parse)
        {
            string? config = parse.GetValue(Config);
            string? servers = parse.GetValue(BootstrapServers);
            if (config == null && servers == null)
            {
                throw new OpenMsiStreamException(ErrorIds.NoBrokerSpecified,
                    "No broker given: use --config FILE or --bootstrap-servers HOST:PORT (try `openmsistream local-broker` for a local one).");
            }
            KafkaSettings? settings = config != null ? KafkaSettings.FromFile(config) : null;
            if (servers != null)
            {
                settings = settings == null ? KafkaSettings.FromBootstrapServers(servers) : settings.WithBootstrapServers(servers);
            }
            return settings!;
        }
    }
}
