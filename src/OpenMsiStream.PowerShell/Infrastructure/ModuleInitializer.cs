using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// Runs when the module is imported: teaches the runtime to load Core and the third-party
    /// assemblies from the module's <c>dependencies/</c> folder (only the cmdlet assembly sits beside
    /// the manifest), and stops the embedded broker when the module is removed.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string DependencyDirectory =
            Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "dependencies");

        public void OnImport()
        {
            AppDomain.CurrentDomain.AssemblyResolve += ResolveFromDependencies;
            KeepCryptoNodesOpen();
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            Crypto.Runtime.CryptoNodes.CloseUnused();
            LocalBrokerSession.StopIfRunning();
            AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromDependencies;
        }

        /// <summary>
        /// A session is the "producer that keeps running" KafkaCrypto needs: a node used by
        /// Send-MsiDataFile keeps answering key requests until the module is removed or the session ends.
        /// Separate method: Core must not be loaded before the resolver above is in place.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static void KeepCryptoNodesOpen() => Crypto.Runtime.CryptoNodes.KeepOpenAfterUse = true;

        private static Assembly? ResolveFromDependencies(object? sender, ResolveEventArgs args)
        {
            string name = new AssemblyName(args.Name).Name ?? string.Empty;
            string candidate = Path.Combine(DependencyDirectory, name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
