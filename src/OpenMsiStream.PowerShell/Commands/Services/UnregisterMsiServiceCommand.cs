using System.Management.Automation;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands.Services
{
    /// <summary>
    /// <para type="synopsis">Stops and removes a service: its unit (or Windows service), definition and secrets file; its data directory (status, logs) is kept.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Unregister, "MsiService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    public sealed class UnregisterMsiServiceCommand : ServiceCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = string.Empty;

        protected override void ProcessRecord()
        {
            var manager = Manager();
            Carry(manager, Guard(() => manager.PlanUnregister(Name), Name), Name, "Unregister");
        }
    }
}
