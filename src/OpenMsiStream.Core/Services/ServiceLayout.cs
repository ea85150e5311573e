using System;
using System.IO;
using System.Runtime.InteropServices;

namespace OpenMsiStream.Services
{
    /// <summary>
    /// Where a service's files live. Linux: system services in /etc/openmsistream/services (definition
    /// and secrets), /etc/systemd/system and /var/lib/openmsistream/&lt;name&gt; (data: status, logs, state);
    /// user services in ~/.config/openmsistream/services, ~/.config/systemd/user and
    /// ~/.local/state/openmsistream/&lt;name&gt;. Windows: %ProgramData%\OpenMsiStream or
    /// %LOCALAPPDATA%\OpenMsiStream. A root directory, when given, stands in for "/" (a staged
    /// install, as packagers do; nothing outside it is touched).
    /// </summary>
    public sealed class ServiceLayout
    {
        public const string RootVariable = "OPENMSISTREAM_SERVICE_ROOT";

        public ServiceLayout(ServiceScope scope, string? root = null, bool? windows = null)
        {
            Scope = scope;
            Root = string.IsNullOrEmpty(root) ? null : Path.GetFullPath(root);
            IsWindows = windows ?? RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        }

        public ServiceScope Scope { get; }

        public string? Root { get; }

        public bool IsWindows { get; }

        /// <summary>The default layout: the root from $OPENMSISTREAM_SERVICE_ROOT when set.</summary>
        public static ServiceLayout For(ServiceScope scope) => new ServiceLayout(scope, Environment.GetEnvironmentVariable(RootVariable));

        public string UnitName(string name) => "openmsistream-" + name + (IsWindows ? string.Empty : ".service");

        public string DefinitionsDirectory => IsWindows
            ? Path.Combine(WindowsBase(), "services")
            : Scope == ServiceScope.System ? Rooted("/etc/openmsistream/services") : Rooted(Path.Combine(Home(), ".config", "openmsistream", "services"));

        public string DefinitionPath(string name) => Path.Combine(DefinitionsDirectory, name + ".json");

        public string SecretsPath(string name) => Path.Combine(DefinitionsDirectory, name + ".env");

        /// <summary>The Task Scheduler XML of a per-user Windows service (kept beside the definition: what schtasks was given).</summary>
        public string ScheduledTaskPath(string name) => Path.Combine(DefinitionsDirectory, name + ".task.xml");

        /// <summary>The systemd unit file (Linux only).</summary>
        public string UnitPath(string name) => Scope == ServiceScope.System
            ? Rooted(Path.Combine("/etc/systemd/system", UnitName(name)))
            : Rooted(Path.Combine(Home(), ".config", "systemd", "user", UnitName(name)));

        /// <summary>The service's $OPENMSISTREAM_HOME: status file, log files, processors' and S3 state.</summary>
        public string DataDirectory(string name) => IsWindows
            ? Path.Combine(WindowsBase(), "data", name)
            : Scope == ServiceScope.System ? Rooted(Path.Combine("/var/lib/openmsistream", name)) : Rooted(Path.Combine(Home(), ".local", "state", "openmsistream", name));

        private string WindowsBase()
        {
            string folder = Environment.GetFolderPath(Scope == ServiceScope.System ? Environment.SpecialFolder.CommonApplicationData : Environment.SpecialFolder.LocalApplicationData);
            return Rooted(Path.Combine(folder, "OpenMsiStream"));
        }

        private string Rooted(string path) => Root == null ? path : Path.Combine(Root, path.TrimStart('/', '\\').Replace(":", string.Empty));

        private static string Home() => Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
    }
}
