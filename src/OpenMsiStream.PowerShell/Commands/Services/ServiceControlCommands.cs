using System.Management.Automation;
using OpenMsiStream.PowerShell.Infrastructure;
using OpenMsiStream.Services;

namespace OpenMsiStream.PowerShell.Commands.Services
{
    /// <summary>Start-, Stop- and Restart-MsiService: the service manager's own start and stop (systemctl, sc.exe, schtasks).</summary>
    public abstract class ServiceControlCmdlet : ServiceCmdlet
    {
        /// <summary>The name of a registered service; binds the Name property of Get-MsiService output from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.ServiceNameCompleter))]
        public string Name { get; set; } = string.Empty;

        internal abstract ServiceAction Action { get; }

        protected override void ProcessRecord()
        {
            var manager = Manager();
            Carry(manager, Guard(() => manager.PlanControl(Name, Action), Name), Name, Action.ToString());
        }
    }

    /// <summary>
    /// <para type="synopsis">Starts a registered service.</para>
    /// <para type="description">Asks the service manager to start the service: systemctl start (systemctl
    /// --user start for -Scope User) on Linux, sc.exe start for a Windows service, or schtasks /Run for the
    /// logon task of a -Scope User service on Windows. It returns once the service manager has answered and
    /// writes no output; Get-MsiService shows the state, and the status file is written at the first
    /// heartbeat. A name that is not registered is a terminating ServiceNotFound error; a failing service
    /// manager command is ServiceCommandFailed.</para>
    /// <para type="notes">Services piped from Get-MsiService bring their -Scope with them; by name,
    /// give -Scope User for per-user services.</para>
    /// </summary>
    /// <example>
    /// <code>Start-MsiService xrd-upload -Scope User</code>
    /// <para>Starts the per-user service xrd-upload.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Get-MsiService | Where-Object State -eq Stopped | Start-MsiService
    /// Get-MsiService | Format-Table Name, State, LastHeartbeat
    /// </code>
    /// <para>Starts every stopped system service (as root or admin), then shows their states.</para>
    /// </example>
    /// <seealso cref="StopMsiServiceCommand"/>
    /// <seealso cref="GetMsiServiceCommand"/>
    /// <seealso cref="RegisterMsiServiceCommand"/>
    [Cmdlet(VerbsLifecycle.Start, "MsiService", SupportsShouldProcess = true)]
    public sealed class StartMsiServiceCommand : ServiceControlCmdlet
    {
        internal override ServiceAction Action => ServiceAction.Start;
    }

    /// <summary>
    /// <para type="synopsis">Stops a registered service gracefully (the host flushes, saves and commits before it exits).</para>
    /// <para type="description">Asks the service manager to stop the service (systemctl stop, sc.exe stop, or
    /// schtasks /End for the logon task of a -Scope User service on Windows). The service host then stops
    /// the command as Ctrl+C would: intake stopped, producer flushed, state saved, offsets committed,
    /// within 80 seconds (systemd kills it after 90). The service stays registered and enabled, so it
    /// starts again with the machine. Writes no output.</para>
    /// <para type="notes">Services piped from Get-MsiService bring their -Scope with them; by name,
    /// give -Scope User for per-user services.</para>
    /// </summary>
    /// <example>
    /// <code>Stop-MsiService xrd-upload</code>
    /// <para>Stops the system service xrd-upload cleanly; a later Start-MsiService resumes where it
    /// stopped.</para>
    /// </example>
    /// <example>
    /// <code>Get-MsiService -Scope User | Stop-MsiService -Scope User -WhatIf</code>
    /// <para>Shows the command that would stop each per-user service, without running it.</para>
    /// </example>
    /// <seealso cref="StartMsiServiceCommand"/>
    /// <seealso cref="RestartMsiServiceCommand"/>
    /// <seealso cref="UnregisterMsiServiceCommand"/>
    [Cmdlet(VerbsLifecycle.Stop, "MsiService", SupportsShouldProcess = true)]
    public sealed class StopMsiServiceCommand : ServiceControlCmdlet
    {
        internal override ServiceAction Action => ServiceAction.Stop;
    }

    /// <summary>
    /// <para type="synopsis">Restarts a registered service.</para>
    /// <para type="description">Stops the service gracefully and starts it again (systemctl restart; on
    /// Windows a stop then a start with sc.exe, or schtasks /End then /Run for a -Scope User task). The
    /// service then runs its current definition, so this is how a registration replaced with
    /// Register-MsiService -Force takes effect. Writes no output.</para>
    /// <para type="notes">Services piped from Get-MsiService bring their -Scope with them; by name,
    /// give -Scope User for per-user services.</para>
    /// </summary>
    /// <example>
    /// <code>Restart-MsiService xrd-upload -Scope User</code>
    /// <para>Restarts the per-user service xrd-upload.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Register-MsiService xrd-upload -Force -RunAs lab -ScriptBlock { Start-MsiUploadDirectory -Path /data/xrd -Topic xrd -Config /etc/openmsistream/lab.config -SettleTime 10 }
    /// Restart-MsiService xrd-upload
    /// </code>
    /// <para>Changes the command of the system service xrd-upload (now with a settle time of 10 seconds) and
    /// restarts it so that the new command runs. -Force replaces the whole registration, so give -RunAs
    /// again: without it the service would run as the user who ran sudo (or who registers it).</para>
    /// </example>
    /// <seealso cref="StopMsiServiceCommand"/>
    /// <seealso cref="StartMsiServiceCommand"/>
    /// <seealso cref="GetMsiServiceCommand"/>
    [Cmdlet(VerbsLifecycle.Restart, "MsiService", SupportsShouldProcess = true)]
    public sealed class RestartMsiServiceCommand : ServiceControlCmdlet
    {
        internal override ServiceAction Action => ServiceAction.Restart;
    }
}
