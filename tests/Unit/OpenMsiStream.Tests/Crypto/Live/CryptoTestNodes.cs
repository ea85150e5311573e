using System.IO;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Crypto.Provisioning;

namespace OpenMsiStream.Tests.Crypto.Live
{
    /// <summary>
    /// Provisions throwaway KafkaCrypto nodes the way a lab would (one ROT password, one provisioner
    /// password), each in &lt;directory&gt;/&lt;node&gt;/, and writes OpenMSIStream config files that name them.
    /// </summary>
    internal static class CryptoTestNodes
    {
        public const string RootPassword = "test-rotation-password";
        public const string ProvisionerPassword = "test-password";

        public static CryptoNodeFiles Provision(string directory, string nodeId, NodeRole role, params string[] topics) =>
            NodeProvisioner.Provision(new NodeProvisioningRequest
            {
                Directory = Path.Combine(directory, nodeId),
                NodeId = nodeId,
                Role = role,
                Topics = topics,
                RootOfTrustPassword = RootPassword,
                ProvisionerPassword = ProvisionerPassword,
            });

        /// <summary>A config file beside the node folders: [broker] plus [kafkacrypto] node_id.</summary>
        public static string WriteConfig(string directory, string name, string bootstrapServers, string? nodeId)
        {
            string path = Path.Combine(directory, name + ".config");
            // The embedded broker makes a group member that rejoins wait the whole session timeout.
            string text = "[broker]\nbootstrap.servers = " + bootstrapServers + "\nsecurity.protocol = PLAINTEXT\n\n[consumer]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 1000\n";
            if (nodeId != null)
            {
                text += "\n[kafkacrypto]\nnode_id = " + nodeId + "\n";
            }
            File.WriteAllText(path, text);
            return path;
        }
    }
}
