using System.Management.Automation;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Shows the embedded local broker running in this PowerShell process, if any.</para>
    /// <para type="description">Returns what Start-MsiLocalBroker returned (address, config file, topics), or nothing.</para>
    /// </summary>
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
