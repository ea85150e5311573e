using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.FileSystem;
using OpenMsiStream.Monitoring;

namespace OpenMsiStream.Services
{
    public enum ServiceAction
    {
        Start,
        Stop,
        Restart,
    }

    /// <summary>
    /// Registers, removes, starts, stops and reports services: systemd units on Linux (system or
    /// --user), Windows services through sc.exe, or for users without admin rights a scheduled task at
    /// logon. Every change is a <see cref="ServicePlan"/> first, so -WhatIf shows exactly what would be
    /// written and run. With a staging root only files change (and `systemctl --root` enables the unit).
    /// </summary>
    public sealed class ServiceManager
    {
        private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

        public ServiceManager(ServiceLayout layout) => Layout = layout;

        public ServiceLayout Layout { get; }

        public ServicePlan PlanRegister(ServiceDefinition definition, IReadOnlyDictionary<string, string> secrets, bool force = false)
        {
            ServiceDefinition.ValidateName(definition.Name);
            if (!Layout.IsWindows && !RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && Layout.Root == null)
            {
                throw new OpenMsiStreamException(ErrorIds.ServiceNotSupported,
                    "Services are supported on Linux (systemd) and Windows; on macOS run the command under launchd yourself.");
            }
            string definitionPath = Layout.DefinitionPath(definition.Name);
            if (File.Exists(definitionPath) && !force)
            {
                throw new OpenMsiStreamException(ErrorIds.ServiceAlreadyExists,
                    $"A service '{definition.Name}' is already registered ({definitionPath}); unregister it first or use -Force/--force.", target: definition.Name);
            }
            definition.EnvironmentVariables = secrets.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
            var plan = new ServicePlan();
            plan.Writes.Add(new PlannedFile(definitionPath, definition.ToJson() + "\n", secret: false));
            if (secrets.Count > 0)
            {
                plan.Writes.Add(new PlannedFile(Layout.SecretsPath(definition.Name), ServiceSecrets.Render(secrets), secret: true));
            }
            string unit = Layout.UnitName(definition.Name);
            if (Layout.IsWindows)
            {
                IReadOnlyList<string> run = SystemdUnit.ExecStart(definition, Layout);
                if (Layout.Scope == ServiceScope.System)
                {
                    string account = definition.RunAs ?? ServiceAccount.VirtualAccountDomain + unit;
                    string command = string.Join(" ", run.Select(WindowsQuote));
                    plan.Commands.Add(new[] { "sc.exe", "create", unit, "binPath=", command, "start=", "auto", "DisplayName=", "OpenMsiStream " + definition.Name, "obj=", account });
                    plan.Commands.Add(new[] { "sc.exe", "description", unit, definition.Description });
                    plan.Commands.Add(new[] { "sc.exe", "failure", unit, "reset=", "86400", "actions=", "restart/30000/restart/30000/restart/120000" });
                    // The service's account writes its status, logs and state here; a virtual account has no
                    // rights under %ProgramData% of its own, so it gets Modify on its data directory only.
                    string data = Layout.DataDirectory(definition.Name);
                    plan.Directories.Add(data);
                    plan.Commands.Add(new[] { "icacls", data, "/grant", account + ":(OI)(CI)M" });
                    if (secrets.Count > 0)
                    {
                        // Only the service's account, SYSTEM and Administrators may read the secrets. The well-known
                        // accounts by SID, so that a German "Administratoren" is matched too.
                        plan.Commands.Add(new[] { "icacls", Layout.SecretsPath(definition.Name), "/inheritance:r", "/grant:r",
                            account + ":R", WindowsSystemSid + ":F", WindowsAdministratorsSid + ":F" });
                    }
                }
                else
                {
                    // Task Scheduler XML, not /SC ONLOGON: schtasks' own options stop a task after 72 hours and on battery.
                    string task = Layout.ScheduledTaskPath(definition.Name);
                    plan.Writes.Add(new PlannedFile(task, WindowsScheduledTask.Render(definition, run), secret: false, WindowsScheduledTask.FileEncoding));
                    plan.Commands.Add(new[] { "schtasks", "/Create", "/F", "/TN", TaskName(definition.Name), "/XML", task });
                }
            }
            else
            {
                plan.Writes.Add(new PlannedFile(Layout.UnitPath(definition.Name), SystemdUnit.Render(definition, Layout), secret: false));
                plan.Commands.AddRange(Systemctl("daemon-reload"));
                plan.Commands.AddRange(Systemctl("enable", unit));
            }
            return plan;
        }

        public ServicePlan PlanUnregister(string name)
        {
            ServiceDefinition.ValidateName(name);
            string definitionPath = Layout.DefinitionPath(name);
            if (!File.Exists(definitionPath))
            {
                throw new OpenMsiStreamException(ErrorIds.ServiceNotFound, $"There is no service '{name}' (no definition at '{definitionPath}').", target: name);
            }
            var plan = new ServicePlan();
            string unit = Layout.UnitName(name);
            if (Layout.IsWindows)
            {
                string[] stop = Layout.Scope == ServiceScope.System
                    ? new[] { "sc.exe", "stop", unit }
                    : new[] { "schtasks", "/End", "/TN", TaskName(name) };
                plan.Commands.Add(stop);
                plan.MayFail.Add(stop);
                plan.Commands.Add(Layout.Scope == ServiceScope.System
                    ? new[] { "sc.exe", "delete", unit }
                    : new[] { "schtasks", "/Delete", "/F", "/TN", TaskName(name) });
            }
            else
            {
                plan.Commands.AddRange(Layout.Root == null ? Systemctl("disable", "--now", unit) : Systemctl("disable", unit));
                plan.Deletions.Add(Layout.UnitPath(name));
            }
            plan.Deletions.Add(definitionPath);
            if (Layout.IsWindows && File.Exists(Layout.ScheduledTaskPath(name)))
            {
                plan.Deletions.Add(Layout.ScheduledTaskPath(name));
            }
            if (File.Exists(Layout.SecretsPath(name)))
            {
                plan.Deletions.Add(Layout.SecretsPath(name));
            }
            if (!Layout.IsWindows)
            {
                plan.Commands.AddRange(Systemctl("daemon-reload"));
            }
            // The data directory (status, logs, processing records) is kept: it is the service's history.
            return plan;
        }

        public ServicePlan PlanControl(string name, ServiceAction action)
        {
            Read(name); // a clear error for an unknown name
            var plan = new ServicePlan();
            string unit = Layout.UnitName(name);
            if (!Layout.IsWindows)
            {
                plan.Commands.AddRange(Systemctl(action.ToString().ToLowerInvariant(), unit));
            }
            else if (Layout.Scope == ServiceScope.System)
            {
                if (action != ServiceAction.Start)
                {
                    plan.Commands.Add(new[] { "sc.exe", "stop", unit });
                }
                if (action != ServiceAction.Stop)
                {
                    plan.Commands.Add(new[] { "sc.exe", "start", unit });
                }
            }
            else
            {
                if (action != ServiceAction.Start)
                {
                    plan.Commands.Add(new[] { "schtasks", "/End", "/TN", TaskName(name) });
                }
                if (action != ServiceAction.Stop)
                {
                    plan.Commands.Add(new[] { "schtasks", "/Run", "/TN", TaskName(name) });
                }
            }
            return plan;
        }

        /// <summary>Does what the plan says: writes (secrets 0600), deletes, then runs the commands in order.</summary>
        public void Apply(ServicePlan plan)
        {
            foreach (PlannedFile file in plan.Writes)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(file.Path)!);
                if (file.Secret)
                {
                    WriteSecret(file.Path, file.Content);
                }
                else
                {
                    AtomicFile.WriteAllText(file.Path, file.Content, file.Encoding);
                }
            }
            foreach (string directory in plan.Directories)
            {
                Directory.CreateDirectory(directory);
            }
            foreach (string path in plan.Deletions)
            {
                File.Delete(path);
            }
            foreach (IReadOnlyList<string> command in plan.Commands)
            {
                try
                {
                    Run(command, check: !plan.MayFail.Contains(command));
                }
                catch (OpenMsiStreamException) when (AlreadyDone(command))
                {
                    // Starting a running service or stopping a stopped one is not an error (Start-Service
                    // agrees); sc.exe says 1056 or 1062.
                }
            }
        }

        public ServiceDefinition Read(string name)
        {
            ServiceDefinition.ValidateName(name);
            return ServiceDefinition.Read(Layout.DefinitionPath(name), name);
        }

        public IReadOnlyList<ServiceInfo> List()
        {
            if (!Directory.Exists(Layout.DefinitionsDirectory))
            {
                return Array.Empty<ServiceInfo>();
            }
            return Directory.GetFiles(Layout.DefinitionsDirectory, "*.json")
                .Select(path => Path.GetFileNameWithoutExtension(path))
                .OrderBy(name => name, StringComparer.Ordinal)
                .Select(Get)
                .ToList();
        }

        public ServiceInfo Get(string name)
        {
            ServiceDefinition definition = Read(name);
            ProgramStatus? status = ProgramStatus.TryRead(ProgramStatus.PathFor(Path.Combine(Layout.DataDirectory(name), "status"), name));
            return new ServiceInfo(definition, Layout.DefinitionPath(name), QueryState(name), status);
        }

        private string QueryState(string name)
        {
            if (Layout.Root != null)
            {
                return "Unknown";
            }
            try
            {
                if (Layout.IsWindows)
                {
                    string output = Layout.Scope == ServiceScope.System
                        ? Run(new[] { "sc.exe", "query", Layout.UnitName(name) }, check: false)
                        : Run(new[] { "schtasks", "/Query", "/TN", TaskName(name), "/FO", "LIST" }, check: false);
                    return output.Contains("RUNNING") || output.Contains("Running") ? "Running" : output.Contains("STOPPED") || output.Contains("Ready") ? "Stopped" : "Unknown";
                }
                var command = new List<string> { "systemctl" };
                if (Layout.Scope == ServiceScope.User)
                {
                    command.Add("--user");
                }
                command.AddRange(new[] { "show", Layout.UnitName(name), "--property=ActiveState", "--value" });
                return Run(command, check: false).Trim() switch
                {
                    "active" => "Running",
                    "inactive" => "Stopped",
                    "failed" => "Failed",
                    "activating" => "Starting",
                    "deactivating" => "Stopping",
                    _ => "Unknown",
                };
            }
            catch (OpenMsiStreamException)
            {
                return "Unknown"; // no service manager to ask (a container without systemd)
            }
        }

        /// <summary>Whether a failed sc.exe start/stop left the service where it was asked to be.</summary>
        private static bool AlreadyDone(IReadOnlyList<string> command)
        {
            if (command.Count != 3 || command[0] != "sc.exe" || (command[1] != "start" && command[1] != "stop"))
            {
                return false;
            }
            string state = Run(new[] { "sc.exe", "query", command[2] }, check: false);
            return command[1] == "start"
                ? state.Contains("RUNNING") || state.Contains("START_PENDING")
                : state.Contains("STOPPED") || state.Contains("STOP_PENDING");
        }

        private IEnumerable<IReadOnlyList<string>> Systemctl(params string[] arguments)
        {
            if (Layout.Root != null)
            {
                // A staged root: systemctl can only enable/disable there (links), and only system units.
                if (Layout.Scope == ServiceScope.System && (arguments[0] == "enable" || arguments[0] == "disable"))
                {
                    yield return new[] { "systemctl", "--root=" + Layout.Root }.Concat(arguments).ToArray();
                }
                yield break;
            }
            yield return (Layout.Scope == ServiceScope.User ? new[] { "systemctl", "--user" } : new[] { "systemctl" }).Concat(arguments).ToArray();
        }

        private static string Run(IReadOnlyList<string> command, bool check = true)
        {
            var start = new ProcessStartInfo(command[0])
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Arguments = string.Join(" ", command.Skip(1).Select(Processes.CommandLine.Quote)),
            };
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new OpenMsiStreamException(ErrorIds.ServiceCommandFailed, $"'{command[0]}' could not be run: {ex.Message}", ex, command[0]);
            }
            using (process)
            {
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                if (!process.WaitForExit((int)CommandTimeout.TotalMilliseconds))
                {
                    process.Kill();
                    throw new OpenMsiStreamException(ErrorIds.ServiceCommandFailed, $"'{string.Join(" ", command)}' did not finish in {CommandTimeout.TotalSeconds:0} s.");
                }
                if (check && process.ExitCode != 0)
                {
                    throw new OpenMsiStreamException(ErrorIds.ServiceCommandFailed,
                        // sc.exe and schtasks say why on stdout, systemctl on stderr.
                        $"'{string.Join(" ", command)}' failed with exit code {process.ExitCode}: {(stderr.Result.Trim() + " " + stdout.Result.Trim()).Trim()}", target: command[0]);
                }
                return stdout.Result;
            }
        }

        private static void WriteSecret(string path, string content)
        {
            // Created empty and restricted before the values go in, so they are never readable by others.
            File.WriteAllText(path, string.Empty);
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && chmod(path, 0x180 /* 0600 */) != 0)
            {
                throw new OpenMsiStreamException(ErrorIds.OutputWriteFailed,
                    $"Could not make '{path}' readable by its owner only (errno {Marshal.GetLastWin32Error()}).", target: path);
            }
            File.WriteAllText(path, content);
        }

        /// <summary>The scheduled task of a per-user Windows service.</summary>
        private static string TaskName(string name) => "OpenMsiStream\\" + name;

        private const string WindowsSystemSid = "*S-1-5-18";
        private const string WindowsAdministratorsSid = "*S-1-5-32-544";

        internal static string WindowsQuote(string argument) => argument.IndexOfAny(new[] { ' ', '\t', '"' }) < 0 ? argument : "\"" + argument.Replace("\"", "\\\"") + "\"";

        [DllImport("libc", SetLastError = true)]
        private static extern int chmod(string path, uint mode);
    }
}
