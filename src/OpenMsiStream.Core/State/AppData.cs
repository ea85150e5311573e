using System;
using System.IO;

namespace OpenMsiStream.State
{
    /// <summary>The per-user folder for state that has no better home, and the variable that moves it.</summary>
    public static class AppData
    {
        /// <summary>Overrides <see cref="Root"/>: a service points it at its own data directory.</summary>
        public const string HomeVariable = "OPENMSISTREAM_HOME";

        /// <summary>A topic, group, bucket or program name as a file or folder name.</summary>
        public static string SafeName(string name)
        {
            char[] invalid = Path.GetInvalidFileNameChars();
            var chars = name.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (Array.IndexOf(invalid, chars[i]) >= 0 || chars[i] == '%')
                {
                    chars[i] = '_';
                }
            }
            return new string(chars);
        }

        /// <summary><c>$OPENMSISTREAM_HOME</c>, else <c>&lt;local app data&gt;/OpenMsiStream</c>.</summary>
        public static string Root()
        {
            string? home = Environment.GetEnvironmentVariable(HomeVariable);
            if (!string.IsNullOrWhiteSpace(home))
            {
                return Path.GetFullPath(home);
            }
            string appData = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
            if (string.IsNullOrEmpty(appData))
            {
                appData = Path.GetTempPath(); // a service account without a profile
            }
            return Path.Combine(appData, "OpenMsiStream");
        }
    }
}
