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
    /// <para type="description">The service runs `openmsistream service run NAME`, the host that stops the
    /// command gracefully on a service stop. Give what it runs either as a script block holding the cmdlet
    /// you ran interactively ({ Start-MsiUploadDirectory -Path D:\Data -Topic lab -Config lab.config }: it is
    /// translated to the same command line, with the current values of its variables), or as -ArgumentList,
    /// the command line as you would type it after `openmsistream`. $VARIABLES in its --config file are copied from this session into a secrets file
    /// readable only by its owner. -WhatIf prints every file that would be written and command that would
    /// be run.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Register, "MsiService", SupportsShouldProcess = true, DefaultParameterSetName = ScriptBlockSet)]
    [OutputType(typeof(ServiceInfo))]
    public sealed class RegisterMsiServiceCommand : ServiceCmdlet
    {
        private const string ScriptBlockSet = "ScriptBlock";
        private const string ArgumentListSet = "ArgumentList";

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

        /// <summary>The account a system service runs as (default: you; never root or SYSTEM unless named).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RunAs { get; set; }

        [Parameter]
        public string? Description { get; set; }

        /// <summary>More environment variables whose current values go to the secrets file.</summary>
        [Parameter]
        public string[] Environment { get; set; } = Array.Empty<string>();

        /// <summary>The openmsistream executable (default: $env:OPENMSISTREAM_CLI, else openmsistream on the PATH).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CliPath { get; set; }

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
                RunAs = Scope == ServiceScope.System ? RunAs ?? System.Environment.UserName : null,
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
            string name = System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows) ? "openmsistream.exe" : "openmsistream";
            foreach (string directory in (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
            {
                string candidate = Path.Combine(directory, name);
                if (directory.Length > 0 && File.Exists(candidate))
                {
                    return candidate;
                }
            }
            throw Missing("it is not on the PATH");
        }

        private static OpenMsiStreamException Missing(string why) => new OpenMsiStreamException(ErrorIds.ServiceNotSupported, ErrorKind.ObjectNotFound,
            $"A service runs the openmsistream command, and {why}: install it, or give -CliPath (or $env:OPENMSISTREAM_CLI).");
    }
}
