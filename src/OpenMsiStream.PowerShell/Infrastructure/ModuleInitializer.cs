using System.Management.Automation;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// Runs when the module is imported: teaches the runtime to load Core and the third-party
    /// assemblies from the module's <c>dependencies/</c> folder (only the cmdlet assembly sits beside
    /// the manifest), and stops the embedded broker when the module is removed.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        public void OnImport()
        {
            DependencyResolver.Install();
            KeepCryptoNodesOpen();
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            Crypto.Runtime.CryptoNodes.CloseUnused();
            LocalBrokerSession.StopIfRunning();
            DependencyResolver.Uninstall();
        }

        /// <summary>
        /// A session is the "producer that keeps running" KafkaCrypto needs: a node used by
        /// Send-MsiDataFile keeps answering key requests until the module is removed or the session ends.
        /// Separate method: Core must not be loaded before the resolver above is in place.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static void KeepCryptoNodesOpen() => Crypto.Runtime.CryptoNodes.KeepOpenAfterUse = true;
    }
}
