using System;
using System.Management.Automation;
using OpenMsiStream.Config;
using OpenMsiStream.Kafka;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Checks that this computer can reach the Kafka broker and log in.</para>
    /// <para type="description">One metadata round trip with the settings from -Config or
    /// -BootstrapServers. Reports the brokers, and with -Topic whether the topic exists, or a message
    /// that says what is wrong (unreachable, refused credentials, …).</para>
    /// <para type="description">A broker that cannot be reached or refuses the credentials is not an
    /// error: the ConnectionReport has Success $false, the ErrorId (BrokerUnreachable,
    /// AuthenticationFailed, ...) and librdkafka's reason in Message. With -Topic the report also says
    /// whether the topic exists (TopicExists) and how many partitions it has; a missing topic does not make
    /// Success false. A config file that cannot be read or holds an invalid property, and an invalid
    /// topic name, are terminating errors. Without -Config and
    /// -BootstrapServers the embedded broker of this process is tested.</para>
    /// </summary>
    /// <example>
    /// <code>Test-MsiConnection -Config ./lab.config -Topic lab</code>
    /// <para>Connects with the settings of ./lab.config and shows whether it worked, the address, the
    /// number of brokers and a message such as "topic 'lab' has 4 partitions" or why it failed.</para>
    /// </example>
    /// <example>
    /// <code>
    /// if (-not (Test-MsiConnection -Config ./lab.config -Quiet)) {
    ///     Write-Warning 'Kafka is not reachable; files will be sent later.'
    /// }
    /// </code>
    /// <para>With -Quiet the cmdlet returns only $true or $false, for use in scripts.</para>
    /// </example>
    /// <example>
    /// <code>Test-MsiConnection xrd -BootstrapServers kafka.lab:9092 -Timeout 30 | Format-List</code>
    /// <para>Checks a broker without a config file, waiting up to 30 seconds, and shows every property of
    /// the report, including TopicExists, PartitionCount, ErrorId and Elapsed.</para>
    /// </example>
    /// <seealso cref="StartMsiLocalBrokerCommand"/>
    /// <seealso cref="SendMsiDataFileCommand"/>
    /// <seealso cref="ReceiveMsiHeartbeatCommand"/>
    [Cmdlet(VerbsDiagnostic.Test, "MsiConnection")]
    [OutputType(typeof(ConnectionReport), typeof(bool))]
    public sealed class TestMsiConnectionCommand : KafkaCmdlet
    {
        /// <summary>Also check this topic.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.TopicCompleter))]
        public string? Topic { get; set; }

        /// <summary>How long to wait for an answer (seconds, or a time span; default 10 s).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        [PositiveTimeSpan]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>Return only $true or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void EndProcessing()
        {
            KafkaSettings settings = ResolveSettings();
            ConnectionReport report;
            try
            {
                report = ConnectionTester.Test(settings, Topic, Timeout, StopToken);
            }
            catch (Diagnostics.OpenMsiStreamException error)
            {
                ThrowTerminatingError(error);
                return;
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            WriteObject(Quiet ? (object)report.Success : report);
        }
    }
}
