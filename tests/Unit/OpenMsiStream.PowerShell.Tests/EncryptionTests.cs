using System;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Text;
using OpenMsiStream.PowerShell.Tests.Support;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.PowerShell.Tests
{
    /// <summary>New-MsiCryptoNode, encrypted Send-/Receive-MsiDataFile and Send-MsiUndecryptableMessage in a hosted engine.</summary>
    [Collection(ModuleCollection.Name)]
    public sealed class EncryptionTests : IDisposable
    {
        private readonly ModuleFixture _module;
        private readonly TempDirectory _temp = new TempDirectory("pscrypto");

        public EncryptionTests(ModuleFixture module)
        {
            _module = module;
            _module.EnsureBrokerRunning();
        }

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void NodesProvisionedByTheCmdletEncryptSendAndDecryptReceive()
        {
            string suffix = Guid.NewGuid().ToString("N").Substring(0, 8);
            string root = "enc" + suffix;
            PSObject producer = NewNode("prod_" + suffix, "Producer", root);
            PSObject consumer = NewNode("cons_" + suffix, "Consumer", root);
            Assert.Equal("OpenMsiStream.Crypto.Runtime.CryptoNodeInfo", producer.BaseObject.GetType().FullName);
            string producerDirectory = (string)producer.Properties["Directory"].Value;
            Assert.True(File.Exists(Path.Combine(producerDirectory, "prod_" + suffix + ".crypto")));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(producerDirectory, "prod_" + suffix + ".seed")));
            }

            string producerConfig = Config("producer", "prod_" + suffix);
            string consumerConfig = Config("consumer", "cons_" + suffix);
            byte[] content = Encoding.UTF8.GetBytes("XRD scan, sample 17, confidential\n" + new string('x', 50_000));
            string file = _temp.WriteFile("scan 17.csv", content);

            using var send = _module.Create();
            send.AddCommand("Send-MsiDataFile").AddParameter("Path", file).AddParameter("Topic", root + ".xrd").AddParameter("Config", producerConfig);
            Collection<PSObject> sent = send.Invoke();
            Assert.Empty(send.Streams.Error);
            Assert.Single(sent);

            // Send-MsiDataFile has ended; the session keeps its node open, so the key is still handed out.
            string output = Path.Combine(_temp.Path, "received");
            using var receive = _module.Create();
            receive.AddCommand("Receive-MsiDataFile").AddParameter("Topic", root + ".xrd").AddParameter("Config", consumerConfig)
                .AddParameter("OutputDirectory", output).AddParameter("Count", 1).AddParameter("IdleTimeout", 60);
            Collection<PSObject> received = receive.Invoke();
            Assert.Empty(receive.Streams.Error);
            Assert.Single(received);
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(output, "scan 17.csv")));
        }

        [Fact]
        public void ProvisioningRefusesAShortRootPasswordWithASpecificError()
        {
            using var ps = _module.Create();
            ps.AddCommand("New-MsiCryptoNode").AddParameter("NodeId", "short_pw").AddParameter("Role", "Producer").AddParameter("Topic", "lab")
                .AddParameter("Path", _temp.Path).AddParameter("RootOfTrustPassword", Secure("too-short")).AddParameter("ProvisionerPassword", Secure("test-password"));
            ErrorRecord error;
            try
            {
                ps.Invoke();
                error = Assert.Single(ps.Streams.Error);
            }
            catch (RuntimeException thrown)
            {
                error = thrown.ErrorRecord;
            }
            Assert.StartsWith("CryptoProvisioningFailed", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(_temp.Path, "short_pw")) && Directory.EnumerateFiles(Path.Combine(_temp.Path, "short_pw")).Any());
        }

        [Fact]
        public void SendUndecryptableMessageWithWhatIfSendsNothingAndReportsEachMessage()
        {
            string saved = Path.Combine(_temp.Path, "out", "ENCRYPTED_MESSAGES");
            Directory.CreateDirectory(saved);
            File.WriteAllBytes(Path.Combine(saved, "encrypted_message_from_lab_data_produced_on_Nov_24_2026_at_10_00_00_000001_key.bin"), new byte[] { 1 });
            File.WriteAllBytes(Path.Combine(saved, "encrypted_message_from_lab_data_produced_on_Nov_24_2026_at_10_00_00_000001_value.bin"), new byte[] { 1, 2 });
            using var ps = _module.Create();
            ps.AddCommand("Send-MsiUndecryptableMessage").AddParameter("Path", Path.Combine(_temp.Path, "out")).AddParameter("Config", _module.BrokerConfigPath).AddParameter("WhatIf");
            Collection<PSObject> output = ps.Invoke();
            Assert.Empty(output);
            Assert.Empty(ps.Streams.Error);
            Assert.Contains(_module.Host.Lines, line => line.Contains("lab_data", StringComparison.Ordinal) && line.Contains("What if", StringComparison.Ordinal));
        }

        private PSObject NewNode(string nodeId, string role, string topic)
        {
            using var ps = _module.Create();
            ps.AddCommand("New-MsiCryptoNode").AddParameter("NodeId", nodeId).AddParameter("Role", role).AddParameter("Topic", topic)
                .AddParameter("Path", _temp.Path).AddParameter("RootOfTrustPassword", Secure("test-rotation-password")).AddParameter("ProvisionerPassword", Secure("test-password"));
            Collection<PSObject> result = ps.Invoke();
            Assert.Empty(ps.Streams.Error);
            return Assert.Single(result);
        }

        private string Config(string name, string nodeId)
        {
            string path = Path.Combine(_temp.Path, name + ".config");
            File.WriteAllText(path, File.ReadAllText(_module.BrokerConfigPath) + "\n[kafkacrypto]\nnode_id = " + nodeId + "\n");
            return path;
        }

        private static SecureString Secure(string text)
        {
            var secure = new SecureString();
            foreach (char c in text)
            {
                secure.AppendChar(c);
            }
            secure.MakeReadOnly();
            return secure;
        }
    }
}
