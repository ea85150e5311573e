using System.IO;
using System.Management.Automation;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>Cmdlets that talk to a broker: -Config and -BootstrapServers, resolved the same way everywhere.</summary>
    public abstract class KafkaCmdlet : MsiCmdlet
    {
        /// <summary>An OpenMSIStream-format config file (a path, or a name looked up in $env:OPENMSISTREAM_CONFIG_FILE_DIR).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.ConfigFileCompleter))]
        public string? Config { get; set; }

        /// <summary>host:port of the broker(s); overrides bootstrap.servers from -Config.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? BootstrapServers { get; set; }

        /// <summary>
        /// The broker settings from -Config and/or -BootstrapServers; with neither, the embedded broker
        /// this session started. Throws a terminating error when there is nothing to connect to.
        /// </summary>
        protected KafkaSettings ResolveSettings()
        {
            try
            {
                string location = CurrentLocation;
                KafkaSettings? settings = Operations.Operation.Broker(Config == null || !ConfigFileLocator.IsPath(Config) ? Config : ResolvePath(Config), BootstrapServers, location);
                if (settings == null)
                {
                    LocalBrokerInfo? local = LocalBrokerSession.Current;
                    if (local == null)
                    {
                        throw new OpenMsiStreamException(ErrorIds.NoBrokerSpecified,
                            "No broker given: use -Config <file> or -BootstrapServers host:port, or start the embedded broker with Start-MsiLocalBroker.");
                    }
                    WriteVerbose($"Using the embedded local broker at {local.BootstrapServers}.");
                    settings = LocalBroker.LocalKafkaBroker.ClientSettings(local.BootstrapServers, location);
                }
                return settings;
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error);
                throw; // not reached: ThrowTerminatingError always throws
            }
        }

        /// <summary>Forwards librdkafka's messages to the Verbose stream (queued: they arrive on librdkafka's threads).</summary>
        protected static void ForwardDiagnostics(ClientDiagnostics diagnostics, PipelineQueue queue) =>
            diagnostics.Message += message => queue.Verbose(message.ToString());
    }
}
