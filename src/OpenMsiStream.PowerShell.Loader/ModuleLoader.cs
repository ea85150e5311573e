using System.IO;
using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace OpenMsiStream.PowerShell.Loader
{
    /// <summary>
    /// Runs when the module is imported, before PowerShell reads the cmdlet assembly: the manifest lists
    /// this assembly under NestedModules, which PowerShell imports before the RootModule. From then on,
    /// Core and every third-party assembly load from the module's <c>dependencies/</c> folder:
    /// <list type="bullet">
    /// <item>PowerShell 7 (.NET): into a load context of the module's own (<see cref="ModuleLoadContext"/>),
    /// so another module's copy of AWSSDK, System.Text.Json, MessagePack, Confluent.Kafka … in the default
    /// context is never used by this module, and this module's copies never reach another module;</item>
    /// <item>Windows PowerShell 5.1 (.NET Framework, which has no load contexts): into the one context
    /// there is, found through AssemblyResolve (<see cref="FrameworkAssemblyResolver"/>).</item>
    /// </list>
    /// </summary>
    /// <remarks>
    /// It must run before PowerShell reads the cmdlet assembly's types, because some cmdlets have
    /// parameters of Core's enum types, and reading a class with such a field loads Core.
    /// The resolver stays installed for the life of the process: assemblies cannot be unloaded, and code
    /// the module started (the embedded broker, crypto nodes) may still load dependencies after
    /// Remove-Module. A second import (another runspace, Import-Module -Force) finds it installed.
    /// </remarks>
    public sealed class ModuleLoader : IModuleAssemblyInitializer
    {
        /// <summary>The only assembly the cmdlet assembly references besides PowerShell and the runtime.</summary>
        internal const string CoreAssemblyName = "OpenMsiStream.Core";

        private static readonly object Gate = new object();
        private static bool _installed;

        /// <summary>Where Core and the third-party assemblies are, beside this assembly.</summary>
        internal static string DependencyDirectory =>
            Path.Combine(Path.GetDirectoryName(typeof(ModuleLoader).Assembly.Location)!, "dependencies");

        public void OnImport()
        {
            lock (Gate)
            {
                if (_installed)
                {
                    return;
                }
                if (RunsOnDotNet())
                {
                    InstallLoadContext();
                }
                else
                {
                    FrameworkAssemblyResolver.Install(DependencyDirectory);
                }
                _installed = true;
            }
        }

        /// <summary>
        /// .NET (Core) has System.Private.CoreLib; .NET Framework and Mono have mscorlib and no
        /// AssemblyLoadContext to speak of.
        /// </summary>
        private static bool RunsOnDotNet() => typeof(object).Assembly.GetName().Name == "System.Private.CoreLib";

        /// <summary>
        /// A separate method so that .NET Framework never compiles code that names AssemblyLoadContext.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void InstallLoadContext() => ModuleLoadContext.Install(DependencyDirectory);
    }
}
