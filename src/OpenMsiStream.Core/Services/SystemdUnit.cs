using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace OpenMsiStream.Services
{
    /// <summary>
    /// The systemd unit of a service. Unlike OpenMSIStream's: Type=notify (the host says when it is
    /// ready and stopping), the default KillMode so `systemctl stop` sends SIGTERM and the program
    /// stops gracefully within TimeoutStopSec, a named user rather than root, Restart=on-failure, and
    /// secrets in an EnvironmentFile that only root (or, for --user units, the user) can read.
    /// </summary>
    public static class SystemdUnit
    {
        /// <summary>How long a graceful stop may take before systemd kills the process.</summary>
        public const int StopTimeoutSeconds = 90;

        public static string Render(ServiceDefinition definition, ServiceLayout layout)
        {
            var text = new StringBuilder();
            text.Append("# Written by openmsistream; what it runs is in ").Append(Unrooted(layout, layout.DefinitionPath(definition.Name))).Append('\n');
            text.Append("[Unit]\n");
            text.Append("Description=").Append(Escape(string.IsNullOrWhiteSpace(definition.Description) ? "OpenMsiStream " + definition.Name : definition.Description)).Append('\n');
            text.Append("Wants=network-online.target\n");
            text.Append("After=network-online.target\n");
            text.Append("StartLimitIntervalSec=600\n");
            text.Append("StartLimitBurst=5\n");
            text.Append('\n');
            text.Append("[Service]\n");
            text.Append("Type=notify\n");
            text.Append("ExecStart=").Append(string.Join(" ", ExecStart(definition, layout).Select(Quote))).Append('\n');
            text.Append("WorkingDirectory=").Append(Quote(definition.WorkingDirectory)).Append('\n');
            if (layout.Scope == ServiceScope.System && !string.IsNullOrEmpty(definition.RunAs))
            {
                text.Append("User=").Append(definition.RunAs).Append('\n');
            }
            text.Append("Environment=").Append(Quote("OPENMSISTREAM_HOME=" + Unrooted(layout, layout.DataDirectory(definition.Name)))).Append('\n');
            if (definition.EnvironmentVariables.Count > 0)
            {
                text.Append("EnvironmentFile=").Append(Quote(Unrooted(layout, layout.SecretsPath(definition.Name)))).Append('\n');
            }
            if (layout.Scope == ServiceScope.System)
            {
                // systemd creates /var/lib/openmsistream/<name> owned by the service's user.
                text.Append("StateDirectory=openmsistream/").Append(definition.Name).Append('\n');
            }
            text.Append("Restart=on-failure\n");
            text.Append("RestartSec=30\n");
            text.Append("TimeoutStopSec=").Append(StopTimeoutSeconds).Append('\n');
            text.Append("NoNewPrivileges=yes\n");
            text.Append('\n');
            text.Append("[Install]\n");
            text.Append("WantedBy=").Append(layout.Scope == ServiceScope.System ? "multi-user.target" : "default.target").Append('\n');
            return text.ToString();
        }

        /// <summary>The command line systemd runs: the host, with the service's name and scope.</summary>
        public static IReadOnlyList<string> ExecStart(ServiceDefinition definition, ServiceLayout layout)
        {
            var arguments = new List<string>(definition.Executable) { "service", "run", definition.Name };
            if (layout.Scope == ServiceScope.User)
            {
                arguments.Add("--user");
            }
            return arguments;
        }

        /// <summary>A path as the running system sees it (without the staging root).</summary>
        public static string Unrooted(ServiceLayout layout, string path) =>
            layout.Root != null && path.StartsWith(layout.Root, System.StringComparison.Ordinal) ? "/" + path.Substring(layout.Root.Length).TrimStart('/') : path;

        /// <summary>systemd's quoting: double quotes, with \ and " escaped, and % doubled (specifiers).</summary>
        private static string Quote(string value) =>
            value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || "/._-=:,+@".IndexOf(c) >= 0)
                ? value.Replace("%", "%%")
                : "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("%", "%%") + "\"";

        private static string Escape(string value) => value.Replace("\n", " ").Replace("\r", " ").Replace("%", "%%");
    }
}
