using System;
using System.Collections.Generic;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Services
{
    /// <summary>
    /// The account a system service runs as. Shared by `openmsistream service install` and
    /// Register-MsiService so that both decide alike, per OS:
    /// <list type="bullet">
    /// <item>Linux: the user who ran sudo, else the current user — never root by accident (a service
    /// reading lab shares and writing data has no need for it); root only when named.</item>
    /// <item>Windows: the service's own virtual account <c>NT SERVICE\openmsistream-NAME</c> (no password,
    /// no admin rights, its own identity for ACLs); LocalService, NetworkService, another
    /// <c>NT SERVICE\</c> account or a managed service account (<c>DOMAIN\name$</c>) when named;
    /// LocalSystem (Windows' root) only when named. A user account needs its password, which is not
    /// taken on a command line: it is refused with the ways to get there.</item>
    /// </list>
    /// </summary>
    public static class ServiceAccount
    {
        /// <summary>The prefix of Windows' per-service virtual accounts.</summary>
        public const string VirtualAccountDomain = @"NT SERVICE\";

        private static readonly Dictionary<string, string> WindowsBuiltIn = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["LocalService"] = @"NT AUTHORITY\LocalService",
            [@"NT AUTHORITY\LocalService"] = @"NT AUTHORITY\LocalService",
            ["NetworkService"] = @"NT AUTHORITY\NetworkService",
            [@"NT AUTHORITY\NetworkService"] = @"NT AUTHORITY\NetworkService",
            ["LocalSystem"] = "LocalSystem",
            [@"NT AUTHORITY\SYSTEM"] = "LocalSystem",
            ["SYSTEM"] = "LocalSystem",
        };

        /// <summary>The account for a system service named <paramref name="serviceName"/> in <paramref name="layout"/>.</summary>
        public static string Resolve(string? given, string option, ServiceLayout layout, string serviceName) =>
            layout.IsWindows ? ResolveWindows(given, option, layout.UnitName(serviceName)) : ResolveUnix(given, option);

        private static string ResolveUnix(string? given, string option)
        {
            if (!string.IsNullOrEmpty(given))
            {
                return given!;
            }
            string? sudoUser = Environment.GetEnvironmentVariable("SUDO_USER");
            if (!string.IsNullOrEmpty(sudoUser))
            {
                return sudoUser!;
            }
            if (Environment.UserName != "root")
            {
                return Environment.UserName;
            }
            throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                $"Give {option} USER: a service does not run as root unless you ask for it with {option} root.");
        }

        private static string ResolveWindows(string? given, string option, string unitName)
        {
            if (string.IsNullOrEmpty(given))
            {
                return VirtualAccountDomain + unitName;
            }
            if (WindowsBuiltIn.TryGetValue(given!, out string? builtIn))
            {
                return builtIn;
            }
            if (given!.StartsWith(VirtualAccountDomain, StringComparison.OrdinalIgnoreCase) || given.EndsWith("$", StringComparison.Ordinal))
            {
                return given; // a virtual account or a (group) managed service account: Windows keeps their passwords
            }
            throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                $"A Windows service can only run as '{given}' with that account's password, which is not taken on a command line. " +
                $"Leave out {option} (the service's own virtual account {VirtualAccountDomain}{unitName}), give {option} LocalService, NetworkService " +
                "or a managed service account (DOMAIN\\name$), register with -Scope User / --user (a task that runs as you at logon), " +
                $"or register and then set the account and password in services.msc (Log On) or with sc.exe config {unitName} obj= ACCOUNT password= ….",
                target: given);
        }
    }
}
