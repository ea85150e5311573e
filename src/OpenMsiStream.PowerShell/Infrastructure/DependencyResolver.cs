using System;
using System.IO;
using System.Reflection;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// Loads Core and the third-party assemblies from the module's <c>dependencies/</c> folder when the
    /// runtime asks for them (only the cmdlet assembly sits beside the manifest). By simple name, whatever
    /// version was asked for: Windows PowerShell 5.1 has no binding redirects for a module, so the copy
    /// the module ships is the one that must load.
    /// </summary>
    /// <remarks>
    /// Free of PowerShell types on purpose: the Mono test host (tests/Hosts/MonoHost) installs this same
    /// resolver without a PowerShell engine, as Windows PowerShell 5.1 does through
    /// <see cref="ModuleInitializer"/>.
    /// </remarks>
    public static class DependencyResolver
    {
        private static readonly object Gate = new object();
        private static bool _installed;

        /// <summary>The module's <c>dependencies/</c> folder, beside this assembly.</summary>
        public static string DependencyDirectory { get; } =
            Path.Combine(Path.GetDirectoryName(typeof(DependencyResolver).Assembly.Location)!, "dependencies");

        public static void Install()
        {
            lock (Gate)
            {
                if (!_installed)
                {
                    AppDomain.CurrentDomain.AssemblyResolve += ResolveFromDependencies;
                    _installed = true;
                }
            }
        }

        public static void Uninstall()
        {
            lock (Gate)
            {
                AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromDependencies;
                _installed = false;
            }
        }

        private static Assembly? ResolveFromDependencies(object? sender, ResolveEventArgs args)
        {
            string name = new AssemblyName(args.Name).Name ?? string.Empty;
            string candidate = Path.Combine(DependencyDirectory, name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
