using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace OpenMsiStream.PowerShell.Loader
{
    /// <summary>
    /// The assemblies the host process was started with (the .NET runtime's and PowerShell's own: the
    /// "trusted platform assemblies"). The default context always binds these by name, whatever another
    /// module tries to load, so sharing one of them cannot bring another module's copy in.
    /// </summary>
    /// <remarks>
    /// The module ships netstandard2.0 builds, some of which are polyfills of what .NET has built in
    /// (System.Memory's Span, Microsoft.Bcl.AsyncInterfaces' IAsyncEnumerable) or older than the
    /// runtime's (System.Text.Json on .NET 10). Loading those into the module's context would make
    /// second copies of runtime types; the platform's copy is used instead when it is at least as new,
    /// which is the rule the .NET host applies to an application's own files.
    /// </remarks>
    internal sealed class PlatformAssemblies
    {
        private readonly Dictionary<string, string> _pathByName;

        private PlatformAssemblies(Dictionary<string, string> pathByName) => _pathByName = pathByName;

        public static PlatformAssemblies OfThisProcess()
        {
            var pathByName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string list = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty;
            foreach (string path in list.Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries))
            {
                string name = Path.GetFileNameWithoutExtension(path);
                if (!pathByName.ContainsKey(name))
                {
                    pathByName.Add(name, path);
                }
            }
            return new PlatformAssemblies(pathByName);
        }

        /// <summary>Whether the platform has this assembly in <paramref name="version"/> or newer.</summary>
        public bool Provides(string name, Version? version)
        {
            if (!_pathByName.TryGetValue(name, out string? path))
            {
                return false;
            }
            Version? platformVersion;
            try
            {
                platformVersion = AssemblyName.GetAssemblyName(path).Version;
            }
            catch (Exception ex) when (ex is IOException || ex is BadImageFormatException)
            {
                return false; // not a file here (a single-file host bundles its own): the module's copy is used
            }
            return platformVersion != null && (version == null || platformVersion >= version);
        }
    }
}
