using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Runtime.Loader;
using OpenMsiStream.PowerShell.Tests.Support;
using Xunit;

namespace OpenMsiStream.PowerShell.Tests
{
    /// <summary>The module as users get it: manifest, exports, format data, and where its parts load from.</summary>
    [Collection(ModuleCollection.Name)]
    public class ModuleShapeTests
    {
        internal static readonly string[] ExpectedCmdlets =
        {
            "Get-MsiConsumerLag",
            "Get-MsiLocalBroker",
            "Get-MsiService",
            "Get-MsiTopicFile",
            "Get-MsiUploadState",
            "Invoke-MsiStreamProcessor",
            "New-MsiCryptoNode",
            "Receive-MsiDataFile",
            "Receive-MsiHeartbeat",
            "Register-MsiService",
            "Restart-MsiService",
            "Send-MsiDataFile",
            "Send-MsiUndecryptableMessage",
            "Start-MsiLocalBroker",
            "Start-MsiS3Transfer",
            "Start-MsiService",
            "Start-MsiUploadDirectory",
            "Stop-MsiLocalBroker",
            "Stop-MsiService",
            "Test-MsiConnection",
            "Unregister-MsiService",
        };

        private readonly ModuleFixture _module;

        public ModuleShapeTests(ModuleFixture module) => _module = module;

        [Fact]
        public void TheManifestIsValidAndExportsExactlyTheCmdlets()
        {
            PSObject manifest = Assert.Single(_module.Invoke($"Test-ModuleManifest -Path '{_module.ManifestPath}'"));
            Assert.Equal(new Version(ReadManifestVersion()), manifest.Properties["Version"].Value);
            Assert.Equal(new[] { "Core", "Desktop" }, ((System.Collections.IEnumerable)manifest.Properties["CompatiblePSEditions"].Value).Cast<string>().OrderBy(e => e));

            string[] exported = _module.Invoke("(Get-Command -Module OpenMsiStream).Name").Select(o => (string)o.BaseObject).OrderBy(n => n).ToArray();
            Assert.Equal(ExpectedCmdlets, exported);
        }

        [Fact]
        public void ImportingTheModuleWarnsAboutNothing()
        {
            var state = InitialSessionState.CreateDefault2();
            using Runspace runspace = RunspaceFactory.CreateRunspace(state);
            runspace.Open();
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddScript($"Import-Module '{_module.ManifestPath}' -WarningVariable w -WarningAction SilentlyContinue; $w.Count").Invoke();

            Assert.Empty(ps.Streams.Error);
            Assert.Empty(ps.Streams.Warning);
        }

        [Fact]
        public void EveryCmdletDeclaresTheTypeItEmits()
        {
            Assert.Equal("OpenMsiStream.Upload.SentFile", OutputTypeOf("Send-MsiDataFile"));
            Assert.Equal("OpenMsiStream.Download.ReceivedFile", OutputTypeOf("Receive-MsiDataFile"));
            Assert.Equal("OpenMsiStream.PowerShell.LocalBrokerInfo", OutputTypeOf("Start-MsiLocalBroker"));
            Assert.Equal("OpenMsiStream.PowerShell.LocalBrokerInfo", OutputTypeOf("Get-MsiLocalBroker"));
            Assert.Equal("OpenMsiStream.Kafka.ConnectionReport", OutputTypeOf("Test-MsiConnection"));
            Assert.Equal("OpenMsiStream.Upload.SentFile", OutputTypeOf("Start-MsiUploadDirectory"));
            Assert.Equal("OpenMsiStream.UploadDirectory.UploadRecord", OutputTypeOf("Get-MsiUploadState"));
            Assert.Equal("OpenMsiStream.Processing.ProcessedFile", OutputTypeOf("Invoke-MsiStreamProcessor"));
            Assert.Equal("OpenMsiStream.S3.S3TransferResult", OutputTypeOf("Start-MsiS3Transfer"));
            Assert.Equal("OpenMsiStream.Services.ServiceInfo", OutputTypeOf("Get-MsiService"));
            Assert.Equal("OpenMsiStream.Services.ServiceInfo", OutputTypeOf("Register-MsiService"));
            Assert.Equal("OpenMsiStream.Monitoring.Heartbeat", OutputTypeOf("Receive-MsiHeartbeat"));
            Assert.Equal("OpenMsiStream.Inspection.PartitionLag", OutputTypeOf("Get-MsiConsumerLag"));
            Assert.Equal("OpenMsiStream.Inspection.TopicFile", OutputTypeOf("Get-MsiTopicFile"));
        }

        [Fact]
        public void StateChangingCmdletsSupportWhatIf()
        {
            foreach (string cmdlet in new[] { "Send-MsiDataFile", "Receive-MsiDataFile", "Start-MsiUploadDirectory", "Start-MsiLocalBroker", "Stop-MsiLocalBroker", "Invoke-MsiStreamProcessor", "Start-MsiS3Transfer", "Register-MsiService", "Unregister-MsiService", "Start-MsiService", "Stop-MsiService", "Restart-MsiService" })
            {
                Assert.Equal(true, Assert.Single(_module.Invoke($"(Get-Command {cmdlet}).Parameters.ContainsKey('WhatIf')")).BaseObject);
            }
        }

        [Fact]
        public void TheDefaultViewsAreLoadedFromTheFormatFile()
        {
            string formatFile = Path.Combine(Path.GetDirectoryName(_module.ManifestPath)!, "OpenMsiStream.Format.ps1xml");
            string[] loaded = _module.Invoke("(Get-Module OpenMsiStream).ExportedFormatFiles").Select(o => (string)o.BaseObject).ToArray();

            Assert.Equal(new[] { formatFile }, loaded);
        }

        [Fact]
        public void CoreAndTheNativeKafkaLibraryLoadFromTheModulesOwnFolderIntoTheModulesOwnLoadContext()
        {
            string dependencies = Path.Combine(Path.GetDirectoryName(_module.ManifestPath)!, "dependencies");
            // Core's types are not visible to PowerShell's type literals in PowerShell 7 (they live in the
            // module's own load context): reach them through what the cmdlets declare and return.
            Assembly core = (Assembly)Assert.Single(_module.Invoke("(Get-Command Receive-MsiDataFile).OutputType[0].Type.Assembly")).BaseObject;
            AssemblyLoadContext own = AssemblyLoadContext.GetLoadContext(core)!;
            Assembly kafka = own.LoadFromAssemblyName(core.GetReferencedAssemblies().Single(n => n.Name == "Confluent.Kafka"));
            Assembly cmdlets = (Assembly)Assert.Single(_module.Invoke("[OpenMsiStream.PowerShell.Commands.SendMsiDataFileCommand].Assembly")).BaseObject;

            Assert.Equal(Path.Combine(dependencies, "OpenMsiStream.Core.dll"), core.Location);
            Assert.Equal(Path.Combine(dependencies, "Confluent.Kafka.dll"), kafka.Location);
            Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(cmdlets));
            Assert.NotSame(AssemblyLoadContext.Default, own);
            Assert.Equal("OpenMsiStream.PowerShell.Loader.ModuleLoadContext", own.GetType().FullName);
            Assert.Same(own, AssemblyLoadContext.GetLoadContext(kafka));
            Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name is "OpenMsiStream.Core" or "Confluent.Kafka" or "AWSSDK.Core" or "MessagePack");
            string[] nativeMappings = File.ReadAllLines("/proc/self/maps").Where(l => l.Contains("librdkafka")).ToArray();
            Assert.NotEmpty(nativeMappings);
            Assert.All(nativeMappings, l => Assert.Contains(Path.Combine(dependencies, "linux-x64") + Path.DirectorySeparatorChar, l));
        }

        /// <summary>
        /// The two assemblies in PowerShell's default context reference nothing of the module's but Core:
        /// any other reference (System.Text.Json, AWSSDK …) would be bound in the default context, to
        /// whatever copy another module loaded there.
        /// </summary>
        [Fact]
        public void TheAssembliesInTheDefaultContextReferenceOnlyPowerShellTheRuntimeAndCore()
        {
            string moduleDirectory = Path.GetDirectoryName(_module.ManifestPath)!;
            Assert.Equal(new[] { "OpenMsiStream.PowerShell.Loader.dll", "OpenMsiStream.PowerShell.dll" },
                Directory.GetFiles(moduleDirectory, "*.dll").Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray());
            Assert.Equal(new[] { "OpenMsiStream.Core", "System.Management.Automation", "netstandard" }, ReferencedAssemblies(Path.Combine(moduleDirectory, "OpenMsiStream.PowerShell.dll")));
            Assert.Equal(new[] { "System.Management.Automation", "System.Runtime.Loader", "netstandard" }, ReferencedAssemblies(Path.Combine(moduleDirectory, "OpenMsiStream.PowerShell.Loader.dll")));
        }

        private static string[] ReferencedAssemblies(string path)
        {
            using var stream = File.OpenRead(path);
            using var reader = new System.Reflection.PortableExecutable.PEReader(stream);
            System.Reflection.Metadata.MetadataReader metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(reader);
            return metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        }

        private string OutputTypeOf(string cmdlet) => (string)_module.Invoke($"(Get-Command {cmdlet}).OutputType[0].Name")[0].BaseObject;

        private static string ReadManifestVersion()
        {
            string text = File.ReadAllText(Path.Combine(ModuleFixture.RepoRoot, "OpenMsiStream.psd1"));
            return System.Text.RegularExpressions.Regex.Match(text, @"ModuleVersion\s*=\s*'([0-9.]+)'").Groups[1].Value;
        }
    }
}
