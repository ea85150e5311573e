using System.Management.Automation;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands.Services
{
    /// <summary>
    /// <para type="synopsis">Stops and removes a service: its unit (or Windows service), definition and secrets file; its data directory (status, logs) is kept.</para>
    /// <para type="description">On Linux the unit is disabled and stopped (systemctl disable --now), then
    /// the unit file, the definition and the secrets file are deleted and systemd reloads. On Windows the
    /// service is stopped and deleted with sc.exe, or the scheduled task of a -Scope User service ended and
    /// deleted. The data directory (status file, logs, processor and S3 state) is kept. -WhatIf prints
    /// every file and command, and the cmdlet asks for confirmation when $ConfirmPreference is Medium or
    /// lower. A name that is not registered is a terminating ServiceNotFound error.</para>
    /// <para type="notes">Services piped from Get-MsiService bring their -Scope with them
    /// (Get-MsiService -Scope User | Unregister-MsiService removes per-user services); by name, give
    /// -Scope User for a per-user service.</para>
    /// </summary>
    /// <example>
    /// <code>Unregister-MsiService xrd-upload -Scope User</code>
    /// <para>Stops the per-user service xrd-upload and removes its unit, definition and secrets file.</para>
    /// </example>
    /// <example>
    /// <code>Get-MsiService -Scope User | Unregister-MsiService -Scope User -WhatIf</code>
    /// <para>Shows, for every per-user service, the commands that would stop it and the files that would be
    /// deleted, without changing anything.</para>
    /// </example>
    /// <seealso cref="RegisterMsiServiceCommand"/>
    /// <seealso cref="GetMsiServiceCommand"/>
    /// <seealso cref="StopMsiServiceCommand"/>
    [Cmdlet(VerbsLifecycle.Unregister, "MsiService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    public sealed class UnregisterMsiServiceCommand : ServiceCmdlet
    {
        /// <summary>The name of a registered service; binds the Name property of Get-MsiService output from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.ServiceNameCompleter))]
        public string Name { get; set; } = string.Empty;

        protected override void ProcessRecord()
        {
            var manager = Manager();
            Carry(manager, Guard(() => manager.PlanUnregister(Name), Name), Name, "Unregister");
        }
    }
}
