using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Crypto.Primitives;
using OpenMsiStream.Crypto.Provisioning;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Crypto.Data;
using Xunit;

namespace OpenMsiStream.Tests.Crypto.Provisioning
{
    /// <summary>Non-interactive provisioning, checked against the golden provisioning run.</summary>
    public class NodeProvisionerTests : IDisposable
    {
        private const double Now = 1795495383.25;
        private readonly TempDirectory _temp = new TempDirectory("provision");

        public void Dispose() => _temp.Dispose();

        private NodeProvisioningRequest Request(string nodeId, NodeRole role, params string[] topics) => new NodeProvisioningRequest
        {
            Directory = _temp.Path,
            NodeId = nodeId,
            Role = role,
            Topics = topics,
            RootOfTrustPassword = "test-rotation-password",
            ProvisionerPassword = "test-password",
            SubscriptionInterval = 5,
            Clock = () => Now,
        };

        [Theory]
        [InlineData("producer")]
        [InlineData("consumer")]
        [InlineData("prodcon")]
        public void TheChainIsTheGoldenRunsWithAFreshNodeKey(string provisioner)
        {
            NodeRole role = provisioner switch { "producer" => NodeRole.Producer, "consumer" => NodeRole.Consumer, _ => NodeRole.ProducerConsumer };
            JsonElement golden = CryptoVectors.Provisioning;

            CryptoNodeFiles node = NodeProvisioner.Provision(Request("node_" + provisioner, role, "kcv.data", "kcv"));

            Assert.Equal(2, node.ChainElements.Count);
            // Ed25519 is deterministic: the root-signed provisioner certificate is byte-identical to the Python one.
            Assert.Equal(golden.GetProperty("provisioner_certs").GetProperty(provisioner).Hex("signed"), node.ChainElements[0]);
            Assert.Equal(golden.Hex("allowlist_rot_entry"), Assert.Single(node.Allowlist));
            byte[] provisionerKey = golden.GetProperty("provisioners").GetProperty(provisioner).Hex("pk");
            byte[]? certificate = SodiumPrimitives.SignOpen(node.ChainElements[1], provisionerKey);
            Assert.NotNull(certificate);
            Assert.Equal(NodeCertificates.Node(Now + 316224000, NodeCertificates.Usages(role), new[] { "kcv" }, node.SigningKeys[0].PublicKey), certificate);
            IReadOnlyList<MsgNode> fields = MsgNode.Parse(certificate!).AsArray(3);
            Assert.Equal(MsgKind.Float, fields[0].Kind);
            Assert.Equal(node.SigningKeys[0].PublicKey, node.NodeIdBytes);
            Assert.Equal(316224000, node.MaxAge);
            Assert.True(node.LongKeyIndex);
            Assert.Equal(new[] { 1 }, node.EphemeralTypes);
            Assert.False(node.EphemeralLegacy);
        }

        [Fact]
        public void TheNodeCertificateIsEncodedLikeThePythonOne()
        {
            JsonElement producer = CryptoVectors.Provisioning.GetProperty("nodes").GetProperty("kcv_producer");
            byte[] encoded = NodeCertificates.Node(producer.GetProperty("node_cert_max_age").GetDouble(), NodeCertificates.Usages(NodeRole.Producer), new[] { "kcv" }, producer.Hex("spk"));
            Assert.Equal(producer.Hex("node_cert"), encoded);
            JsonElement consumer = CryptoVectors.Provisioning.GetProperty("nodes").GetProperty("kcv_consumer");
            Assert.Equal(consumer.Hex("node_cert"),
                NodeCertificates.Node(consumer.GetProperty("node_cert_max_age").GetDouble(), NodeCertificates.Usages(NodeRole.Consumer), new[] { "kcv" }, consumer.Hex("spk")));
        }

        [Fact]
        public void TheConfigIsLaidOutAsKafkaCryptoStoreWritesIt()
        {
            CryptoNodeFiles node = NodeProvisioner.Provision(Request("kcv_producer", NodeRole.Producer, "kcv"));

            string[] Comparable(string text) => text.Split('\n').Where(l => !l.StartsWith("chain0 : ") && !l.StartsWith("ssl_cafile : ")).ToArray();
            string golden = File.ReadAllText(CryptoVectors.PathOf("nodes/provisioned/kcv_producer/kcv_producer.config"));
            Assert.Equal(Comparable(golden), Comparable(File.ReadAllText(node.ConfigPath)));
        }

        [Fact]
        public void TheFilesHaveTheKafkaCryptoLayoutsAndSecretsAreOwnerOnly()
        {
            CryptoNodeFiles node = NodeProvisioner.Provision(Request("layout", NodeRole.Consumer));

            IReadOnlyList<MsgNode> crypto = MsgNode.Parse(File.ReadAllBytes(node.CryptoPath)).AsArray(5);
            Assert.Equal(2, crypto[0].AsInteger());
            Assert.Equal(64, Assert.Single(crypto[1].AsArray()).AsBytes().Length);
            Assert.Equal(32, crypto[2].AsBytes().Length);
            Assert.False(crypto[3].Boolean);
            Assert.Equal(1, Assert.Single(crypto[4].AsArray()).AsInteger());
            RatchetStep seed = Ratchet.Read(node.SeedPath);
            Assert.Equal(0, seed.Index);
            Assert.Equal(36, new FileInfo(node.SeedPath).Length);
            Assert.NotEqual(new byte[32], seed.Secret);
            Assert.Equal(Path.Combine(_temp.Path, "layout.config"), node.ConfigPath);

            // No topics given: the certificate allows every topic.
            byte[] certificate = SodiumPrimitives.SignOpen(node.ChainElements[1], CryptoVectors.Provisioning.GetProperty("provisioners").GetProperty("consumer").Hex("pk"))!;
            Assert.Equal(NodeCertificates.Node(Now + 316224000, NodeCertificates.Usages(NodeRole.Consumer), new[] { "^.*$" }, node.SigningKeys[0].PublicKey), certificate);

            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(node.CryptoPath));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(node.SeedPath));
            }
            Assert.Equal(3, Directory.GetFiles(_temp.Path).Length);
        }

        [Fact]
        public void TwoNodesNeverShareKeysOrSeeds()
        {
            CryptoNodeFiles a = NodeProvisioner.Provision(Request("a", NodeRole.Producer));
            CryptoNodeFiles b = NodeProvisioner.Provision(Request("b", NodeRole.Producer));
            Assert.NotEqual(a.NodeIdBytes, b.NodeIdBytes);
            Assert.NotEqual(a.WrappingKey, b.WrappingKey);
            Assert.NotEqual(Ratchet.Read(a.SeedPath).Secret, Ratchet.Read(b.SeedPath).Secret);
        }

        [Theory]
        [InlineData(".config")]
        [InlineData(".crypto")]
        [InlineData(".seed")]
        public void AnExistingNodeFileIsNeverOverwritten(string extension)
        {
            string existing = _temp.WriteFile("taken" + extension, new byte[] { 1, 2, 3 });

            var ex = Assert.Throws<OpenMsiStreamException>(() => NodeProvisioner.Provision(Request("taken", NodeRole.Producer)));

            Assert.Equal(ErrorIds.CryptoProvisioningFailed, ex.ErrorId);
            Assert.Contains(existing, ex.Message);
            Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(existing));
            Assert.Single(Directory.GetFiles(_temp.Path));
        }

        [Fact]
        public void ProvisioningTwiceIsRefused()
        {
            CryptoNodeFiles first = NodeProvisioner.Provision(Request("twice", NodeRole.Producer));
            byte[] seed = File.ReadAllBytes(first.SeedPath);
            Assert.Equal(ErrorIds.CryptoProvisioningFailed,
                Assert.Throws<OpenMsiStreamException>(() => NodeProvisioner.Provision(Request("twice", NodeRole.Producer))).ErrorId);
            Assert.Equal(seed, File.ReadAllBytes(first.SeedPath));
        }

        [Theory]
        [InlineData("")]
        [InlineData("bad name")]
        [InlineData("../escape")]
        [InlineData("a/b")]
        [InlineData("..")]
        [InlineData("DEFAULT")]
        public void BadNodeIdsAreRefused(string nodeId)
        {
            var ex = Assert.Throws<OpenMsiStreamException>(() => NodeProvisioner.Provision(Request(nodeId, NodeRole.Producer)));
            Assert.Equal(ErrorIds.CryptoProvisioningFailed, ex.ErrorId);
            Assert.Empty(Directory.GetFiles(_temp.Path));
        }

        [Theory]
        [InlineData("^kcv.*$")]
        [InlineData(".hidden")]
        [InlineData("two words")]
        public void UnusableTopicsAreRefused(string topic)
        {
            var ex = Assert.Throws<OpenMsiStreamException>(() => NodeProvisioner.Provision(Request("t", NodeRole.Producer, topic)));
            Assert.Equal(ErrorIds.CryptoProvisioningFailed, ex.ErrorId);
            Assert.Empty(Directory.GetFiles(_temp.Path));
        }

        [Fact]
        public void ShortPasswordsAreRefusedBeforeAnythingIsWritten()
        {
            NodeProvisioningRequest request = Request("pw", NodeRole.Producer);
            request.RootOfTrustPassword = "short";
            Assert.Equal(ErrorIds.CryptoProvisioningFailed, Assert.Throws<OpenMsiStreamException>(() => NodeProvisioner.Provision(request)).ErrorId);
            Assert.Empty(Directory.GetFiles(_temp.Path));
        }
    }
}
