using System;
using System.IO;
using System.Reflection;

namespace OpenMsiStream.PowerShell.Loader
{
    /// <summary>
    /// Windows PowerShell 5.1 (.NET Framework): one load context for everything, so the module's
    /// assemblies are found, not isolated. When the runtime cannot find an assembly, the one of that name
    /// in <c>dependencies/</c> is loaded (this event is raised only then); when another module loaded
    /// another version of the same assembly first, .NET Framework's binding rules decide what happens.
    /// Public and free of PowerShell types so that the Mono test host (tests/Hosts/MonoHost), which has
    /// no PowerShell engine, installs this same resolver as <see cref="ModuleLoader"/> does.
    /// </summary>
    public static class FrameworkAssemblyResolver
    {
        public static void Install(string dependencyDirectory)
        {
            AppDomain.CurrentDomain.AssemblyResolve += (sender, args) => Resolve(dependencyDirectory, args);
        }

        private static Assembly? Resolve(string dependencyDirectory, ResolveEventArgs args)
        {
            string name = new AssemblyName(args.Name).Name ?? string.Empty;
            string candidate = Path.Combine(dependencyDirectory, name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
