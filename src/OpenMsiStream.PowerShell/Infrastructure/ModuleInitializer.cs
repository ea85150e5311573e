using System.Management.Automation;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// Runs when the module is imported, after the loader (OpenMsiStream.PowerShell.Loader, imported
    /// first as a nested module) has made Core and its dependencies loadable; stops the embedded broker
    /// and closes unused crypto nodes when the module is removed.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <summary>
        /// A session is the "producer that keeps running" KafkaCrypto needs: a node used by
        /// Send-MsiDataFile keeps answering key requests until the module is removed or the session ends.
        /// </summary>
        public void OnImport() => Crypto.Runtime.CryptoNodes.KeepOpenAfterUse = true;

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            Crypto.Runtime.CryptoNodes.CloseUnused();
            LocalBrokerSession.StopIfRunning();
        }
    }
}
