using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using Xunit;

namespace OpenMsiStream.PowerShell.Tests.Support
{
    /// <summary>
    /// One runspace for the whole collection that imports the laid-out module from out/OpenMsiStream/
    /// and starts the embedded broker with Start-MsiLocalBroker, as a user would.
    /// </summary>
    public sealed class ModuleFixture : IDisposable
    {
        public ModuleFixture()
        {
            ManifestPath = Path.Combine(RepoRoot, "out", "OpenMsiStream", "OpenMsiStream.psd1");
            if (!File.Exists(ManifestPath))
            {
                throw new InvalidOperationException($"The laid-out module is missing at '{ManifestPath}'; build src/OpenMsiStream.PowerShell first.");
            }
            Runspace = OpenRunspace(Host);
            Collection<PSObject> started = Invoke("Start-MsiLocalBroker -Partitions 4");
            Broker = Assert.Single(started);
        }

        public static string RepoRoot => OpenMsiStream.Tests.Common.RepoRoot.Path;

        /// <summary>The openmsistream executable built beside these tests (same configuration).</summary>
        public static string CliApphost
        {
            get
            {
                string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
                string path = Path.Combine(RepoRoot, "src", "OpenMsiStream.Cli", "bin", configuration, "net10.0", OperatingSystem.IsWindows() ? "openmsistream.exe" : "openmsistream");
                Assert.True(File.Exists(path), $"build src/OpenMsiStream.Cli first: '{path}' is missing");
                return path;
            }
        }

        public string ManifestPath { get; }

        public TestHost Host { get; } = new TestHost();

        public Runspace Runspace { get; }

        /// <summary>The LocalBrokerInfo object Start-MsiLocalBroker returned.</summary>
        public PSObject Broker { get; private set; }

        public string BrokerConfigPath => (string)Broker.Properties["ConfigPath"].Value;

        /// <summary>A runspace with the module imported; errors while importing fail the test run.</summary>
        public Runspace OpenRunspace(PSHost host)
        {
            InitialSessionState state = InitialSessionState.CreateDefault2();
            state.ImportPSModule(new[] { ManifestPath });
            state.ThrowOnRunspaceOpenError = true;
            Runspace runspace = RunspaceFactory.CreateRunspace(host, state);
            runspace.Open();
            return runspace;
        }

        public System.Management.Automation.PowerShell Create()
        {
            var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = Runspace;
            return ps;
        }

        /// <summary>Runs a script and returns its output; fails on any error record.</summary>
        public Collection<PSObject> Invoke(string script)
        {
            using var ps = Create();
            Collection<PSObject> output = ps.AddScript(script).Invoke();
            Assert.True(ps.Streams.Error.Count == 0, string.Join(Environment.NewLine, ps.Streams.Error.Select(e => e.FullyQualifiedErrorId + ": " + e)));
            return output;
        }

        /// <summary>Restarts the broker if a test stopped it, and refreshes <see cref="Broker"/>.</summary>
        public void EnsureBrokerRunning() =>
            Broker = Assert.Single(Invoke("$running = Get-MsiLocalBroker; if ($running) { $running } else { Start-MsiLocalBroker -Partitions 4 }"));

        public void Dispose()
        {
            using (var ps = Create())
            {
                ps.AddScript("Stop-MsiLocalBroker -ErrorAction SilentlyContinue").Invoke();
            }
            Runspace.Dispose();
        }
    }

    [CollectionDefinition(Name)]
    public sealed class ModuleCollection : ICollectionFixture<ModuleFixture>
    {
        /// <summary>All cmdlet tests share one process-wide embedded broker, so they run one at a time.</summary>
        public const string Name = "OpenMsiStream module";
    }

    public static class TestBytes
    {
        public static byte[] Random(int length, int seed)
        {
            var bytes = new byte[length];
            new System.Random(seed).NextBytes(bytes);
            return bytes;
        }

        public static string Sha512Hex(byte[] bytes) => Convert.ToHexString(System.Security.Cryptography.SHA512.HashData(bytes)).ToLowerInvariant();

        public static string NewTopic() => "t-" + Guid.NewGuid().ToString("N").Substring(0, 12);

        public static IEnumerable<string> RelativeFiles(string root) =>
            Directory.GetFiles(root, "*", SearchOption.AllDirectories)
                .Select(f => System.IO.Path.GetRelativePath(root, f).Replace(System.IO.Path.DirectorySeparatorChar, '/'))
                .Where(f => !f.StartsWith(".openmsistream/", StringComparison.Ordinal))
                .OrderBy(f => f, StringComparer.Ordinal);
    }
}
