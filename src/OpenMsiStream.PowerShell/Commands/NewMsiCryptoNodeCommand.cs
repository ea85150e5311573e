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
    /// <para type="description">-Topic names the root topics the node may use: the part of a topic name
    /// before the first '.' (lab covers lab, lab.xrd, ...). Producer nodes encrypt and hand out keys,
    /// Consumer nodes ask for keys and decrypt, ProducerConsumer nodes do both. Returns a CryptoNodeInfo
    /// with the node id, role, topics, folder, config file, expiry and public signing key. A root-of-trust
    /// password shorter than 12 characters or a provisioning password shorter than 6, a bad node name or
    /// topic, or node files that already exist are a terminating CryptoProvisioningFailed error and
    /// nothing is written (a node is never overwritten); -WhatIf shows the folder that would be
    /// created.</para>
    /// <para type="notes">Anyone with the two passwords can provision nodes that the others trust: keep them
    /// out of scripts and read them with Read-Host -AsSecureString. A program must be running on the
    /// producer's node to hand out keys to consumers.</para>
    /// </summary>
    /// <example>
    /// <code>
    /// $rot  = Read-Host 'Root-of-trust password' -AsSecureString
    /// $prov = Read-Host 'Provisioning password' -AsSecureString
    /// New-MsiCryptoNode -NodeId xrd_uploader -Role Producer -Topic lab -Path ./nodes -RootOfTrustPassword $rot -ProvisionerPassword $prov
    /// New-MsiCryptoNode -NodeId xrd_archiver -Role Consumer -Topic lab -Path ./nodes -RootOfTrustPassword $rot -ProvisionerPassword $prov
    /// </code>
    /// <para>Creates ./nodes/xrd_uploader and ./nodes/xrd_archiver, a producer and a consumer for the topics
    /// lab and lab.*, which trust each other. A config file in ./nodes with [kafkacrypto] node_id =
    /// xrd_uploader makes every program that reads it encrypt.</para>
    /// </example>
    /// <example>
    /// <code>
    /// $rot  = Read-Host 'Root-of-trust password' -AsSecureString
    /// $prov = Read-Host 'Provisioning password' -AsSecureString
    /// New-MsiCryptoNode xrd_processor -Role ProducerConsumer -Topic lab, results -Path ./nodes -RootOfTrustPassword $rot -ProvisionerPassword $prov -Lifetime (New-TimeSpan -Days 365)
    /// </code>
    /// <para>Creates a node for a stream processor that decrypts files from lab and encrypts its results on
    /// results, with a certificate valid for one year instead of ten. Give the same two passwords as for the
    /// lab's other nodes, so that they trust it.</para>
    /// </example>
    /// <seealso cref="SendMsiUndecryptableMessageCommand"/>
    /// <seealso cref="SendMsiDataFileCommand"/>
    /// <seealso cref="ReceiveMsiDataFileCommand"/>
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

        /// <summary>Root topics the node may use (the part of a topic name before the first '.'); '^.*$' means every topic.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string[] Topic { get; set; } = Array.Empty<string>();

        /// <summary>The folder to create the node's folder in (default: the current location).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [PSDefaultValue(Help = "the current location")]
        public string? Path { get; set; }

        /// <summary>The root-of-trust password (at least 12 characters), shared by every node of the lab.</summary>
        [Parameter(Mandatory = true)]
        public SecureString RootOfTrustPassword { get; set; } = new SecureString();

        /// <summary>The provisioning password (at least 6 characters), shared by every node of the lab.</summary>
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
