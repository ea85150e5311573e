using System;
using System.Collections.Concurrent;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace OpenMsiStream.PowerShell.Loader
{
    /// <summary>
    /// PowerShell 7: the module's own load context, the pattern of the PowerShell team's "Resolving
    /// PowerShell module assembly dependency conflicts". The cmdlet assembly (default context) references
    /// Core and nothing else of the module's; the default context cannot find Core, so it asks its
    /// Resolving event, which hands over Core from this context. Everything Core needs is then bound here
    /// first (<see cref="Load"/>): the module's copy from <c>dependencies/</c>, whatever another module
    /// loaded into the default context.
    /// </summary>
    /// <remarks>
    /// Shared with the default context, because types must be the same on both sides or because the
    /// platform owns them: PowerShell and the .NET runtime (not shipped in dependencies/), and an
    /// assembly the platform provides in at least the version the module ships (see
    /// <see cref="PlatformAssemblies"/>): System.Memory, System.Text.Json on .NET 10 …
    /// Native libraries are not this class's concern: Core's NativeLibraryResolver sets a DllImport
    /// resolver on each assembly that P/Invokes, which the runtime asks before any load context.
    /// </remarks>
    internal sealed class ModuleLoadContext : AssemblyLoadContext
    {
        private readonly string _directory;
        private readonly PlatformAssemblies _platform;
        private readonly ConcurrentDictionary<string, string?> _ownPaths = new ConcurrentDictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

        private ModuleLoadContext(string directory, PlatformAssemblies platform)
        {
            _directory = directory;
            _platform = platform;
        }

        public static void Install(string dependencyDirectory)
        {
            var context = new ModuleLoadContext(dependencyDirectory, PlatformAssemblies.OfThisProcess());
            Default.Resolving += context.ResolveCoreForDefaultContext;
        }

        /// <summary>
        /// The default context's last resort, asked for names it cannot find. Only Core is answered: any
        /// other name may be another module's to resolve.
        /// </summary>
        private Assembly? ResolveCoreForDefaultContext(AssemblyLoadContext defaultContext, AssemblyName name) =>
            string.Equals(name.Name, ModuleLoader.CoreAssemblyName, StringComparison.OrdinalIgnoreCase) ? LoadFromAssemblyName(name) : null;

        /// <summary>The module's copy, unless the platform's is at least as new; null lets the default context bind it.</summary>
        protected override Assembly? Load(AssemblyName name)
        {
            string? path = name.Name == null ? null : _ownPaths.GetOrAdd(name.Name, OwnCopy);
            return path == null ? null : LoadFromAssemblyPath(path);
        }

        private string? OwnCopy(string name)
        {
            string path = Path.Combine(_directory, name + ".dll");
            if (!File.Exists(path))
            {
                return null;
            }
            Version? shipped = AssemblyName.GetAssemblyName(path).Version;
            return _platform.Provides(name, shipped) ? null : path;
        }
    }
}
