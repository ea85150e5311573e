using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.PowerShell.Infrastructure;
using OpenMsiStream.PowerShell.Services;
using OpenMsiStream.Services;

namespace OpenMsiStream.PowerShell.Commands.Services
{
    /// <summary>
    /// <para type="synopsis">Registers a long-running openmsistream command as a service (systemd unit or Windows service; -Scope User without admin rights).</para>
    /// <para type="description">The service runs "openmsistream service run NAME", the host that stops the
    /// command gracefully on a service stop. Give what it runs either as a script block holding the cmdlet
    /// you ran interactively ({ Start-MsiUploadDirectory -Path D:\Data -Topic lab -Config lab.config }: it is
    /// translated to the same command line, with the current values of its variables), or as -ArgumentList,
    /// the command line as you would type it after "openmsistream". $VARIABLES in its --config file are copied
    /// from this session into a secrets file readable only by its owner. -WhatIf prints every file that
    /// would be written and command that would be run.</para>
    /// <para type="description">Nothing in the script block runs: its one command is bound as PowerShell
    /// would bind it and written as the same openmsistream command line, with -Path, -OutputDirectory,
    /// -StateDirectory and -LogFile made absolute and time spans in seconds (-Config is kept as given and
    /// read relative to the working directory, so do not use ~ or a PowerShell drive in it); -Verbose
    /// prints the result. It
    /// must be one of Start-MsiUploadDirectory, Receive-MsiDataFile (with -OutputDirectory),
    /// Invoke-MsiStreamProcessor (with -Command) or Start-MsiS3Transfer, with constants or variables as
    /// values. More than one command, a value computed by a command, -ScriptBlock or -Handler of
    /// Invoke-MsiStreamProcessor, -Credential of Start-MsiS3Transfer and -MaxMemoryFileSize are refused
    /// with the reason (ServiceCommandUnsupported), and nothing is written.</para>
    /// <para type="description">On Linux it writes the definition (NAME.json: command line, working
    /// directory, user), the secrets file (NAME.env, mode 0600) and the systemd unit
    /// openmsistream-NAME.service, and enables it; -Scope System needs root and writes under /etc, -Scope
    /// User writes under ~/.config. On Windows -Scope System creates a Windows service with sc.exe (admin
    /// rights) and -Scope User a scheduled task at logon. The service's heartbeats, logs and status use
    /// NAME as the program id (unless the command gives -ProgramId), and it keeps its data (status file, logs, processor and S3 state) in its
    /// own data directory. The service is registered but not started: use Start-MsiService. Relative
    /// paths are resolved against the current location, which becomes the service's working
    /// directory.</para>
    /// <para type="notes">A service runs the openmsistream executable. Install the self-contained one for
    /// your platform, which needs no .NET: Install-PSResource OpenMsiStream.Cli.win-x64 (or
    /// OpenMsiStream.Cli.linux-x64), with -Scope AllUsers for a system service (a service account cannot
    /// read your profile). -CliPath, $env:OPENMSISTREAM_CLI, or openmsistream on the PATH also work.
    /// Every $VARIABLE the config file mentions must be set in this session (ServiceVariableUnset
    /// otherwise). The Windows code paths have run under Wine, not on Windows (see the README's Limits),
    /// and macOS is not supported.</para>
    /// </summary>
    /// <example>
    /// <code>
    /// $data = 'D:\xrd'
    /// Register-MsiService xrd-upload -Scope User -ScriptBlock { Start-MsiUploadDirectory -Path $data -Topic xrd -Config C:\lab\lab.config -HeartbeatTopic heartbeats } -WhatIf
    /// </code>
    /// <para>Shows what registering the uploader as a per-user service would write and run: the definition
    /// with the command line "upload-directory D:\xrd --topic xrd --config C:\lab\lab.config --heartbeat-topic
    /// heartbeats", the secrets file if the config file uses $VARIABLES (values masked), and the commands
    /// that would register the scheduled task. Nothing is written.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Register-MsiService xrd-upload -RunAs lab -ScriptBlock {
    ///     Start-MsiUploadDirectory -Path /data/xrd -Topic xrd -Config /etc/openmsistream/lab.config -HeartbeatTopic heartbeats -LogTopic logs
    /// }
    /// Start-MsiService xrd-upload
    /// </code>
    /// <para>As root on Linux: registers a system service that starts with the machine and runs as the user
    /// lab, then starts it. Returns a ServiceInfo (name, scope, state, command).</para>
    /// </example>
    /// <example>
    /// <code>Register-MsiService xrd-analysis -Scope User -ArgumentList 'process', 'xrd', '--config', '/home/lab/lab.config', '--result-topic', 'xrd-results', '--', 'python3', '/home/lab/analyze.py', '{path}'</code>
    /// <para>Registers the openmsistream command line itself as a systemd --user service: a processor that
    /// runs analyze.py on every file of the topic xrd. Run "loginctl enable-linger lab" once so that it
    /// runs while lab is logged out.</para>
    /// </example>
    /// <example>
    /// <code>Register-MsiService lab-archive -Scope User -Force -Environment AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY -ScriptBlock { Start-MsiS3Transfer -Topic lab -Bucket lab-archive -Config ./lab.config }</code>
    /// <para>Replaces the registration of the service lab-archive with an S3 transfer; the current values of
    /// the two AWS variables go to its secrets file. Restart-MsiService lab-archive -Scope User makes a
    /// running service use the new command.</para>
    /// </example>
    /// <seealso cref="GetMsiServiceCommand"/>
    /// <seealso cref="StartMsiServiceCommand"/>
    /// <seealso cref="UnregisterMsiServiceCommand"/>
    [Cmdlet(VerbsLifecycle.Register, "MsiService", SupportsShouldProcess = true, DefaultParameterSetName = ScriptBlockSet)]
    [OutputType(typeof(ServiceInfo))]
    public sealed class RegisterMsiServiceCommand : ServiceCmdlet
    {
        private const string ScriptBlockSet = "ScriptBlock";
        private const string ArgumentListSet = "ArgumentList";

        /// <summary>The service's name (1 to 64 letters, digits, '_', '.' and '-'): the unit is openmsistream-NAME, and NAME is the program id of its heartbeats, logs and status file unless the command gives one.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = string.Empty;

        /// <summary>One long-running cmdlet with its parameters, e.g. { Receive-MsiDataFile -Topic lab -OutputDirectory /data/in -Config lab.config }. Nothing in it runs.</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ScriptBlockSet)]
        public ScriptBlock? ScriptBlock { get; set; }

        /// <summary>The openmsistream command line, e.g. 'upload-directory', '/data', '--topic', 'lab', '--config', '/etc/lab.config'.</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ArgumentListSet)]
        [ValidateNotNullOrEmpty]
        public string[] ArgumentList { get; set; } = Array.Empty<string>();

        /// <summary>The account a system service runs as. Linux: default the user who ran sudo, else the current user; never root unless you give -RunAs root. Windows: default the service's own virtual account NT SERVICE\openmsistream-NAME; LocalService, NetworkService or a managed service account (DOMAIN\name$) when given; LocalSystem only when given; a user account is refused (it needs a password: use -Scope User to run as yourself).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [PSDefaultValue(Help = "Linux: the user who ran sudo, else the current user; Windows: NT SERVICE\\openmsistream-NAME")]
        public string? RunAs { get; set; }

        /// <summary>A description kept in the definition and, on Linux, the unit's Description (default "OpenMsiStream &lt;command&gt; (NAME)").</summary>
        [Parameter]
        [PSDefaultValue(Help = "OpenMsiStream <command> (NAME)")]
        public string? Description { get; set; }

        /// <summary>More environment variables whose current values go to the secrets file (each must be set in this session).</summary>
        [Parameter]
        public string[] Environment { get; set; } = Array.Empty<string>();

        /// <summary>The openmsistream executable (default: $env:OPENMSISTREAM_CLI, else the self-contained one of the installed package OpenMsiStream.Cli.&lt;platform&gt; such as OpenMsiStream.Cli.win-x64, which needs no .NET, else openmsistream on the PATH).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [PSDefaultValue(Help = "$env:OPENMSISTREAM_CLI, else the package OpenMsiStream.Cli.<platform>, else openmsistream on the PATH")]
        public string? CliPath { get; set; }

        /// <summary>Replace an existing registration of the same name (otherwise ServiceAlreadyExists); a running service keeps its old command until it is restarted.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            if (ScriptBlock != null)
            {
                ArgumentList = Guard(() => ServiceCommandLine.From(ScriptBlock, SessionState).ToArray(), Name);
                WriteVerbose("openmsistream " + string.Join(" ", ArgumentList.Select(a => a.Contains(" ") || a.Length == 0 ? $"'{a}'" : a)));
            }
            Guard(() => { ServiceDefinition.ValidateCommand(ArgumentList); return true; }, ArgumentList[0]);
            ServiceManager manager = Manager();
            string location = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            var definition = new ServiceDefinition
            {
                Name = Name,
                Description = Description ?? $"OpenMsiStream {ArgumentList[0]} ({Name})",
                Scope = Scope,
                Arguments = ArgumentList.ToList(),
                WorkingDirectory = location,
                RunAs = Scope == ServiceScope.System ? Guard(() => ServiceAccount.Resolve(RunAs, "-RunAs", manager.Layout, Name), Name) : null,
                Executable = new System.Collections.Generic.List<string> { Guard(ResolveCli) },
                RegisteredAt = DateTimeOffset.UtcNow,
            };
            ServicePlan plan = Guard(() => manager.PlanRegister(definition, ServiceSecrets.Collect(ArgumentList, location, Environment), Force), Name);
            if (Carry(manager, plan, Name, "Register"))
            {
                WriteObject(Guard(() => manager.Get(Name), Name));
            }
        }

        private string ResolveCli()
        {
            string? given = CliPath ?? System.Environment.GetEnvironmentVariable("OPENMSISTREAM_CLI");
            if (given != null)
            {
                string path = ResolvePath(given);
                return File.Exists(path) ? path : throw Missing($"'{path}' does not exist");
            }
            return CliLocator.FromPackage(this) ?? CliLocator.FromPath()
                ?? throw Missing($"neither the package {CliLocator.PackageName} (Install-PSResource {CliLocator.PackageName}) is installed nor is {CliLocator.ExecutableName} on the PATH");
        }

        private static OpenMsiStreamException Missing(string why) => new OpenMsiStreamException(ErrorIds.ServiceNotSupported,
            $"A service runs the openmsistream command, and {why}: install the package, or give -CliPath (or $env:OPENMSISTREAM_CLI).");
    }
}
