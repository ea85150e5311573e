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
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "MsiConnection")]
    [OutputType(typeof(ConnectionReport), typeof(bool))]
    public sealed class TestMsiConnectionCommand : KafkaCmdlet
    {
        /// <summary>Also check this topic.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
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
