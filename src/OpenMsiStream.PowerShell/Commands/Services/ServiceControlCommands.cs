using System.Management.Automation;
using OpenMsiStream.PowerShell.Infrastructure;
using OpenMsiStream.Services;

namespace OpenMsiStream.PowerShell.Commands.Services
{
    /// <summary>Start-, Stop- and Restart-MsiService: the service manager's own start and stop (systemctl, sc.exe, schtasks).</summary>
    public abstract class ServiceControlCmdlet : ServiceCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = string.Empty;

        internal abstract ServiceAction Action { get; }

        protected override void ProcessRecord()
        {
            var manager = Manager();
            Carry(manager, Guard(() => manager.PlanControl(Name, Action), Name), Name, Action.ToString());
        }
    }

    /// <summary><para type="synopsis">Starts a registered service.</para></summary>
    [Cmdlet(VerbsLifecycle.Start, "MsiService", SupportsShouldProcess = true)]
    public sealed class StartMsiServiceCommand : ServiceControlCmdlet
    {
        internal override ServiceAction Action => ServiceAction.Start;
    }

    /// <summary><para type="synopsis">Stops a registered service gracefully (the host flushes, saves and commits before it exits).</para></summary>
    [Cmdlet(VerbsLifecycle.Stop, "MsiService", SupportsShouldProcess = true)]
    public sealed class StopMsiServiceCommand : ServiceControlCmdlet
    {
        internal override ServiceAction Action => ServiceAction.Stop;
    }

    /// <summary><para type="synopsis">Restarts a registered service.</para></summary>
    [Cmdlet(VerbsLifecycle.Restart, "MsiService", SupportsShouldProcess = true)]
    public sealed class RestartMsiServiceCommand : ServiceControlCmdlet
    {
        internal override ServiceAction Action => ServiceAction.Restart;
    }
}
