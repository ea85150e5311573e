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

        public KafkaSettings Resolve(ParseResult parse) => Resolve(parse.GetValue(Config), parse.GetValue(BootstrapServers));

        /// <summary>The settings of a long-running operation's --config and --bootstrap-servers.</summary>
        public static KafkaSettings Resolve(OpenMsiStream.Operations.OperationArguments arguments) =>
            Resolve(arguments.Text("Config"), arguments.Text("BootstrapServers"));

        private static KafkaSettings Resolve(string? config, string? servers) =>
            OpenMsiStream.Operations.Operation.Broker(config, servers, null)
                ?? throw new OpenMsiStreamException(ErrorIds.NoBrokerSpecified,
                    "No broker given: use --config FILE or --bootstrap-servers HOST:PORT (try `openmsistream local-broker` for a local one).");
    }
}
