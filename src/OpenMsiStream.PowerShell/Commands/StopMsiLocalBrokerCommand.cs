using System.Management.Automation;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Stops the embedded local broker started by Start-MsiLocalBroker.</para>
    /// <para type="description">Everything the broker held is gone afterwards.</para>
    /// <para type="description">Cmdlets without -Config or -BootstrapServers then fail with
    /// NoBrokerSpecified until the broker is started again; config files it wrote name an address that
    /// no longer answers. When no embedded broker runs, the cmdlet writes a non-terminating
    /// LocalBrokerNotRunning error. The broker also stops when the PowerShell process exits. Writes no
    /// output.</para>
    /// </summary>
    /// <example>
    /// <code>Stop-MsiLocalBroker</code>
    /// <para>Stops the embedded broker of this process; its topics and messages are lost.</para>
    /// </example>
    /// <example>
    /// <code>if (Get-MsiLocalBroker) { Stop-MsiLocalBroker -Confirm }</code>
    /// <para>Asks for confirmation, then stops the embedded broker if one runs, without an error when
    /// none does.</para>
    /// </example>
    /// <seealso cref="StartMsiLocalBrokerCommand"/>
    /// <seealso cref="GetMsiLocalBrokerCommand"/>
    [Cmdlet(VerbsLifecycle.Stop, "MsiLocalBroker", SupportsShouldProcess = true)]
    [OutputType(typeof(void))]
    public sealed class StopMsiLocalBrokerCommand : MsiCmdlet
    {
        protected override void EndProcessing()
        {
            LocalBrokerInfo? running = LocalBrokerSession.Current;
            if (running == null)
            {
                WriteError(new OpenMsiStreamException(ErrorIds.LocalBrokerNotRunning,
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
