using System;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Services
{
    /// <summary>
    /// The account a system service runs as when none is named: the user who ran sudo, else the current
    /// user — never root by accident (a service reading lab shares and writing data has no need for it).
    /// Shared by `openmsistream service install` and Register-MsiService so that both decide alike.
    /// </summary>
    public static class ServiceAccount
    {
        public static string Resolve(string? given, string option)
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
            throw new OpenMsiStreamException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument,
                $"Give {option} USER: a service does not run as root unless you ask for it with {option} root.");
        }
    }
}
