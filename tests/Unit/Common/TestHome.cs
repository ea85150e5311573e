using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;

namespace OpenMsiStream.Tests.Common
{
    /// <summary>
    /// Keeps the tests out of the user's real profile. Before the first test of an assembly runs, the
    /// process gets a home of its own in a temp directory (HOME, XDG_DATA_HOME, XDG_CONFIG_HOME,
    /// XDG_STATE_HOME, XDG_CACHE_HOME, LOCALAPPDATA): every default location of the product
    /// (&lt;local app data&gt;/OpenMsiStream, ~/.local/state/openmsistream, ~/.config/openmsistream …) and
    /// of PowerShell then lands there, for this process and every process it starts. The folders of the
    /// real profile that the product or PowerShell would write are recorded at the same moment, so
    /// <see cref="ChangesInRealProfile"/> can tell, at the end, whether anything was written there anyway.
    /// </summary>
    public static class TestHome
    {
        /// <summary>Folders of the real profile (relative to the real home) that tests must never touch.</summary>
        private static readonly string[] GuardedFolders =
        {
            ".local/share/OpenMsiStream",
            ".local/state/openmsistream",
            ".config/openmsistream",
            ".config/systemd/user",
            ".local/share/powershell/Modules",
            ".local/share/PSResourceGet",
        };

        private static readonly DateTime StartedUtc = DateTime.UtcNow;
        private static Dictionary<string, (long Length, DateTime WrittenUtc)> _before = new Dictionary<string, (long, DateTime)>();

        /// <summary>The home the process had before the tests got their own (the user's real one).</summary>
        public static string RealHome { get; private set; } = string.Empty;

        /// <summary>
        /// Whether this run is the only one on the machine (CI=true, or OPENMSISTREAM_PROFILE_GUARD=strict),
        /// so that a write into the real profile can only be the tests'.
        /// </summary>
        public static bool AloneOnTheMachine =>
            string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            || string.Equals(Environment.GetEnvironmentVariable("OPENMSISTREAM_PROFILE_GUARD"), "strict", StringComparison.OrdinalIgnoreCase);

        /// <summary>This test process's own home.</summary>
        public static string Path { get; private set; } = string.Empty;

#pragma warning disable CA2255 // test assemblies: this must run before any test, in every test project that links it
        [ModuleInitializer]
#pragma warning restore CA2255
        internal static void Isolate()
        {
            if (Path.Length > 0)
            {
                return;
            }
            RealHome = Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            // The NuGet cache stays where it is: tests that install a package or run a tool use it.
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NUGET_PACKAGES")) && RealHome.Length > 0)
            {
                Environment.SetEnvironmentVariable("NUGET_PACKAGES", System.IO.Path.Combine(RealHome, ".nuget", "packages"));
            }
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "openmsistream-tests", "home-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Directory.CreateDirectory(Path);
            Set("HOME", Path);
            Set("XDG_DATA_HOME", System.IO.Path.Combine(Path, ".local", "share"));
            Set("XDG_CONFIG_HOME", System.IO.Path.Combine(Path, ".config"));
            Set("XDG_STATE_HOME", System.IO.Path.Combine(Path, ".local", "state"));
            Set("XDG_CACHE_HOME", System.IO.Path.Combine(Path, ".cache"));
            Set("LOCALAPPDATA", System.IO.Path.Combine(Path, "AppData", "Local"));
            Environment.SetEnvironmentVariable("OPENMSISTREAM_HOME", null);
            // dotnet run from a test (a tool, a package install) must not stop for its first-run banner.
            Environment.SetEnvironmentVariable("DOTNET_NOLOGO", "1");
            Environment.SetEnvironmentVariable("DOTNET_SKIP_FIRST_TIME_EXPERIENCE", "1");
            Environment.SetEnvironmentVariable("DOTNET_CLI_TELEMETRY_OPTOUT", "1");
            _before = Snapshot();
        }

        /// <summary>
        /// Files and folders in the guarded folders of the real profile that were created or changed since
        /// this process started (deletions by other programs are not ours to judge).
        /// </summary>
        public static IReadOnlyList<string> ChangesInRealProfile()
        {
            var changes = new List<string>();
            foreach (KeyValuePair<string, (long Length, DateTime WrittenUtc)> entry in Snapshot())
            {
                bool isNew = !_before.TryGetValue(entry.Key, out (long Length, DateTime WrittenUtc) old);
                bool changed = !isNew && (old.Length != entry.Value.Length || old.WrittenUtc != entry.Value.WrittenUtc);
                if ((isNew || changed) && entry.Value.WrittenUtc >= StartedUtc.AddSeconds(-2))
                {
                    changes.Add((isNew ? "created " : "changed ") + entry.Key);
                }
            }
            return changes;
        }

        private static void Set(string name, string path)
        {
            Directory.CreateDirectory(path);
            Environment.SetEnvironmentVariable(name, path);
        }

        private static Dictionary<string, (long, DateTime)> Snapshot()
        {
            var entries = new Dictionary<string, (long, DateTime)>(StringComparer.Ordinal);
            if (RealHome.Length == 0)
            {
                return entries;
            }
            foreach (string folder in GuardedFolders.Select(f => System.IO.Path.Combine(RealHome, f)))
            {
                if (!Directory.Exists(folder))
                {
                    continue;
                }
                entries[folder] = (0, Directory.GetLastWriteTimeUtc(folder));
                try
                {
                    foreach (string entry in Directory.EnumerateFileSystemEntries(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 }))
                    {
                        var info = new FileInfo(entry);
                        entries[entry] = (info.Exists ? info.Length : 0, File.GetLastWriteTimeUtc(entry));
                    }
                }
                catch (IOException)
                {
                    // A folder another program is changing right now: what could be listed is enough.
                }
            }
            return entries;
        }
    }
}
