using System;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Security;
using OpenMsiStream.Crypto.Runtime;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Creates a KafkaCrypto node identity for end-to-end encryption, without Python.</para>
    /// <para type="description">Does what kafkacrypto's simple-provision (OpenMSIStream's ProvisionNode)
    /// does: derives the root of trust and the provisioner keys from two passwords, creates the node's
    /// signing key, ratchet seed and local wrapping key, and writes &lt;Path&gt;/&lt;NodeId&gt;/&lt;NodeId&gt;.config,
    /// .crypto and .seed, which the Python library loads as they are. Every node provisioned with the same
    /// two passwords trusts the others. The .crypto and .seed files are secret and created readable only
    /// by their owner (on Windows they inherit the folder's permissions). Name the node in a config file
    /// with [kafkacrypto] node_id = &lt;NodeId&gt;, next to the node's folder. Give each program its own node.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.New, "MsiCryptoNode", SupportsShouldProcess = true)]
    [OutputType(typeof(CryptoNodeInfo))]
    public sealed class NewMsiCryptoNodeCommand : MsiCmdlet
    {
        /// <summary>The node's name (letters, digits, '_', '-', '.'); also its folder's name.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string NodeId { get; set; } = string.Empty;

        /// <summary>Producer (encrypts), Consumer (decrypts) or ProducerConsumer (both).</summary>
        [Parameter(Mandatory = true)]
        public CryptoNodeRole Role { get; set; }

        /// <summary>Root topics the node may use (the part of a topic name before the first '.').</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string[] Topic { get; set; } = Array.Empty<string>();

        /// <summary>The folder to create the node's folder in (default: the current location).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The root-of-trust password (at least 12 characters), shared by every node of the lab.</summary>
        [Parameter(Mandatory = true)]
        public SecureString RootOfTrustPassword { get; set; } = new SecureString();

        /// <summary>The provisioning password, shared by every node of the lab.</summary>
        [Parameter(Mandatory = true)]
        public SecureString ProvisionerPassword { get; set; } = new SecureString();

        /// <summary>How long the node's certificate is valid (default 10 years, as simple-provision).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        [PositiveTimeSpan]
        public TimeSpan Lifetime { get; set; } = CryptoNodes.DefaultLifetime;

        protected override void EndProcessing()
        {
            string parent = ResolvePath(Path ?? ".");
            string directory = System.IO.Path.Combine(parent, NodeId);
            if (!ShouldProcess(directory, $"Create KafkaCrypto {Role} node '{NodeId}' for topics {string.Join(", ", Topic)}"))
            {
                return;
            }
            try
            {
                WriteObject(CryptoNodes.Provision(directory, NodeId, Role, Topic, Plain(RootOfTrustPassword), Plain(ProvisionerPassword), Lifetime));
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error, NodeId);
            }
        }

        private static string Plain(SecureString secure) => new NetworkCredential(string.Empty, secure).Password;
    }
}
