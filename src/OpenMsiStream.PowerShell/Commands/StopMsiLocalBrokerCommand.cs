using System.Management.Automation;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Stops the embedded local broker started by Start-MsiLocalBroker.</para>
    /// <para type="description">Everything the broker held is gone afterwards.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "MsiLocalBroker", SupportsShouldProcess = true)]
    [OutputType(typeof(void))]
    public sealed class StopMsiLocalBrokerCommand : MsiCmdlet
    {
        protected override void EndProcessing()
        {
            LocalBrokerInfo? running = LocalBrokerSession.Current;
            if (running == null)
            {
                WriteError(new OpenMsiStreamException(ErrorIds.LocalBrokerNotRunning, ErrorKind.InvalidOperation,
                    "The embedded broker is not running in this PowerShell process."));
                return;
            }
            if (ShouldProcess($"embedded local Kafka broker at {running.BootstrapServers}", "Stop (its messages are lost)"))
            {
                LocalBrokerSession.StopIfRunning();
            }
        }
    }
}
