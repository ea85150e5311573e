using System.Management.Automation;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Shows the embedded local broker running in this PowerShell process, if any.</para>
    /// <para type="description">Returns what Start-MsiLocalBroker returned (address, config file, topics), or nothing.</para>
    /// <para type="description">The embedded broker belongs to the process, not to a runspace: this also
    /// finds a broker that another runspace of the same PowerShell process started.</para>
    /// </summary>
    /// <example>
    /// <code>Get-MsiLocalBroker</code>
    /// <para>Shows the address, partitions, topics and config file of the embedded broker, or nothing
    /// when none runs in this process.</para>
    /// </example>
    /// <example>
    /// <code>
    /// if (-not (Get-MsiLocalBroker)) { Start-MsiLocalBroker -Topic lab | Out-Null }
    /// (Get-MsiLocalBroker).ConfigPath
    /// </code>
    /// <para>Starts the embedded broker only if none runs yet, then prints the path of its config file, to
    /// hand to another process.</para>
    /// </example>
    /// <seealso cref="StartMsiLocalBrokerCommand"/>
    /// <seealso cref="StopMsiLocalBrokerCommand"/>
    [Cmdlet(VerbsCommon.Get, "MsiLocalBroker")]
    [OutputType(typeof(LocalBrokerInfo))]
    public sealed class GetMsiLocalBrokerCommand : MsiCmdlet
    {
        protected override void EndProcessing()
        {
            LocalBrokerInfo? running = LocalBrokerSession.Current;
            if (running != null)
            {
                WriteObject(running);
            }
        }
    }
}
