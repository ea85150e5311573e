using System;
using System.IO;
using System.Management.Automation;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Starts the embedded local Kafka broker, for trying the module and for tests.</para>
    /// <para type="description">librdkafka's mock cluster, running inside this PowerShell process and
    /// listening on loopback. In memory only, gone when the process exits, and at most 5 MiB per
    /// partition (older messages are dropped silently): receive while you send. Writes an
    /// OpenMSIStream-format config file that other commands and processes take with -Config.</para>
    /// <para type="description">While it runs, every cmdlet of this process that is given neither -Config
    /// nor -BootstrapServers uses it. Topics named with -Topic get -Partitions partitions; topics created
    /// on first use get 4. Returns a LocalBrokerInfo with the address (BootstrapServers), the config file
    /// (ConfigPath), the partitions and the topics. There is one embedded broker per process: while one
    /// runs, another Start-MsiLocalBroker writes a non-terminating LocalBrokerAlreadyRunning error.</para>
    /// <para type="notes">It is not a Kafka: nothing is kept on disk, each partition keeps at most 5 MiB
    /// (or 100,000 messages) and drops older messages silently, and a new member of a consumer group
    /// that was just left gets partitions only after the session timeout (45 s). Point
    /// bootstrap.servers at a real cluster for anything that matters.</para>
    /// </summary>
    /// <example>
    /// <code>
    /// Start-MsiLocalBroker -Topic lab
    /// Send-MsiDataFile -Path ./data/*.csv -Topic lab
    /// Receive-MsiDataFile -Topic lab -OutputDirectory ./copy -IdleTimeout 30
    /// </code>
    /// <para>Starts the broker with the topic lab (4 partitions), sends some files and rebuilds them in
    /// ./copy. Neither cmdlet needs -Config: both use the embedded broker.</para>
    /// </example>
    /// <example>
    /// <code>
    /// $broker = Start-MsiLocalBroker -Topic lab, results -Partitions 2 -ConfigPath ./local.config
    /// $broker.BootstrapServers
    /// </code>
    /// <para>Starts the broker with two topics of two partitions each and writes its config file to
    /// ./local.config, which other PowerShell sessions and the openmsistream command can use with
    /// -Config ./local.config (or --config) as long as this process runs. The second line prints the
    /// loopback address the broker listens on.</para>
    /// </example>
    /// <seealso cref="GetMsiLocalBrokerCommand"/>
    /// <seealso cref="StopMsiLocalBrokerCommand"/>
    /// <seealso cref="TestMsiConnectionCommand"/>
    [Cmdlet(VerbsLifecycle.Start, "MsiLocalBroker", SupportsShouldProcess = true)]
    [OutputType(typeof(LocalBrokerInfo))]
    public sealed class StartMsiLocalBrokerCommand : MsiCmdlet
    {
        /// <summary>Partitions of the topics named by -Topic (topics created later get 4).</summary>
        [Parameter]
        [ValidateRange(1, 1000)]
        public int Partitions { get; set; } = 4;

        /// <summary>Topics to create now, with -Partitions partitions each.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNull]
        public string[] Topic { get; set; } = Array.Empty<string>();

        /// <summary>Where to write the config file (default: a file in the temp directory).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [PSDefaultValue(Help = "a file in the temp directory")]
        public string? ConfigPath { get; set; }

        protected override void EndProcessing()
        {
            if (LocalBrokerSession.Current is LocalBrokerInfo running)
            {
                WriteError(new OpenMsiStreamException(ErrorIds.LocalBrokerAlreadyRunning,
                    $"The embedded broker is already running at {running.BootstrapServers} (config file '{running.ConfigPath}'). Stop it first with Stop-MsiLocalBroker.",
                    target: running.BootstrapServers));
                return;
            }
            string configPath = ConfigPath != null
                ? ResolvePath(ConfigPath)
                : Path.Combine(Path.GetTempPath(), $"openmsistream-local-broker-{Guid.NewGuid():N}.config");
            if (!ShouldProcess("embedded local Kafka broker", $"Start, with config file '{configPath}'"))
            {
                return;
            }
            try
            {
                WriteObject(LocalBrokerSession.Start(Partitions, Topic, configPath));
            }
            catch (OpenMsiStreamException error)
            {
                WriteError(error);
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is DllNotFoundException || ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteError(new OpenMsiStreamException(ErrorIds.LocalBrokerStartFailed,
                    "The embedded broker could not start: " + ex.Message, ex));
            }
        }
    }
}
