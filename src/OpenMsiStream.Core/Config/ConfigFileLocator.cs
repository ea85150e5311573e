using System;
using System.Collections.Generic;
using System.IO;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Config
{
    /// <summary>
    /// Finds a config file the way OpenMSIStream does, so lab scripts keep working: a name without a
    /// dot gets <c>.config</c> appended; an existing file is used as given; otherwise the name is looked
    /// up in <c>$OPENMSISTREAM_CONFIG_FILE_DIR</c>. Relative names are relative to the caller's working
    /// directory: the PowerShell location for the cmdlets (never the process's start directory), the
    /// current directory for the command line.
    /// </summary>
    public static class ConfigFileLocator
    {
        public const string ConfigDirectoryVariable = "OPENMSISTREAM_CONFIG_FILE_DIR";

        /// <summary>
        /// A path (anything with a directory part, '~' or a drive) as opposed to a bare name ("lab", "lab.config"),
        /// which is looked for in the working directory and then in $OPENMSISTREAM_CONFIG_FILE_DIR. Front ends make
        /// only a path absolute (PowerShell: against its location), never a bare name.
        /// </summary>
        public static bool IsPath(string nameOrPath) =>
            nameOrPath.StartsWith("~", StringComparison.Ordinal) || nameOrPath.IndexOfAny(new[] { '/', '\\', ':' }) >= 0;

        public static string Resolve(string nameOrPath, Func<string, string?>? environment = null, string? workingDirectory = null)
        {
            if (string.IsNullOrWhiteSpace(nameOrPath))
            {
                throw new OpenMsiStreamException(ErrorIds.ConfigFileNotFound, "A config file path is required.");
            }
            environment ??= Environment.GetEnvironmentVariable;
            string candidate = Path.GetFileName(nameOrPath).Contains(".") ? nameOrPath : nameOrPath + ".config";
            var looked = new List<string>();
            string full = Path.GetFullPath(Path.Combine(workingDirectory ?? Directory.GetCurrentDirectory(), candidate));
            looked.Add(full);
            if (File.Exists(full))
            {
                return full;
            }
            string? configDirectory = environment(ConfigDirectoryVariable);
            if (!string.IsNullOrEmpty(configDirectory) && !Path.IsPathRooted(candidate))
            {
                string inDirectory = Path.GetFullPath(Path.Combine(configDirectory, candidate));
                looked.Add(inDirectory);
                if (File.Exists(inDirectory))
                {
                    return inDirectory;
                }
            }
            throw new OpenMsiStreamException(ErrorIds.ConfigFileNotFound,
                $"Config file '{nameOrPath}' was not found (looked for {string.Join(" and ", looked.ConvertAll(p => "'" + p + "'"))}).",
                target: nameOrPath);
        }
    }
}
