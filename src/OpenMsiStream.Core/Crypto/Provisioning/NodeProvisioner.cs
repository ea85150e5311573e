using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Crypto.Primitives;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Crypto.Provisioning
{
    /// <summary>
    /// Creates a node's three files non-interactively, as KafkaCrypto's simple-provision (and
    /// OpenMSIStream's test fixture) does: the password-derived root signs the role's provisioner,
    /// the provisioner signs a fresh node key for the given topics, and the node gets a random
    /// ratchet seed and wrapping key. Unlike simple-provision it never prints the seed, never trusts
    /// the public temporary root, and refuses to touch a node that already exists.
    /// </summary>
    internal static class NodeProvisioner
    {
        private static readonly Regex NodeIdPattern = new Regex("^[A-Za-z0-9_.-]+$", RegexOptions.CultureInvariant);

        public static CryptoNodeFiles Provision(NodeProvisioningRequest request)
        {
            if (request == null)
            {
                throw new ArgumentNullException(nameof(request));
            }
            string nodeId = ValidNodeId(request.NodeId);
            IReadOnlyList<string> topics = RootTopics(request.Topics);
            if (!(request.LifetimeSeconds > 0) || double.IsInfinity(request.LifetimeSeconds))
            {
                throw Failed("The certificate lifetime must be a positive number of seconds.");
            }
            string directory = Path.GetFullPath(string.IsNullOrEmpty(request.Directory) ? "." : request.Directory);
            string configPath = Path.Combine(directory, nodeId + ".config");
            string cryptoPath = Path.Combine(directory, nodeId + ".crypto");
            string seedPath = Path.Combine(directory, nodeId + ".seed");
            foreach (string path in new[] { configPath, cryptoPath, seedPath })
            {
                if (File.Exists(path) || System.IO.Directory.Exists(path))
                {
                    throw new OpenMsiStreamException(ErrorIds.CryptoProvisioningFailed,
                        $"The node file '{path}' already exists. Provisioning never overwrites a node (its ratchet and keys would be lost); choose another node id or directory.",
                        target: path);
                }
            }

            (byte[] rotPublic, byte[] rotSecret) = PasswordKeys.RootOfTrust(request.RootOfTrustPassword);
            IReadOnlyList<string> usages = NodeCertificates.Usages(request.Role);
            (byte[] provPublic, byte[] provSecret) = PasswordKeys.Provisioner(request.ProvisionerPassword, NodeCertificates.ProvisionerRole(request.Role), rotPublic);
            byte[] signedProvisioner = SodiumPrimitives.Sign(NodeCertificates.Provisioner(usages, provPublic), rotSecret);

            (byte[] nodePublic, byte[] nodeSecret) = SodiumPrimitives.SignKeyPair();
            double now = request.Clock?.Invoke() ?? Wire.UnixTime.ToSeconds(DateTime.UtcNow);
            byte[] signedNode = SodiumPrimitives.Sign(NodeCertificates.Node(now + request.LifetimeSeconds, usages, topics, nodePublic), provSecret);
            byte[] chain = NodeCertificates.Chain(signedProvisioner, signedNode);
            SelfCheck(signedProvisioner, rotPublic, signedNode, provPublic);

            byte[] seed = new MsgWriter().ArrayHeader(2).Int(0).Bin(SodiumPrimitives.Random(Ratchet.SecretBytes)).ToArray();
            byte[] keyFile = CryptoKeyFile.Encode(new[] { new SigningKey(SigningKey.Ed25519, nodePublic, nodeSecret) },
                SodiumPrimitives.Random(SodiumPrimitives.SecretBoxKeyBytes), ephemeralLegacy: false, ephemeralTypes: new[] { 1 });
            string config = NodeConfigTemplate.Render(nodeId, NodeCertificates.AllowlistEntry(rotPublic), request.LifetimeSeconds, chain, request.SubscriptionInterval);

            WriteAll(directory, (seedPath, seed, null), (cryptoPath, keyFile, null), (configPath, null, config));
            return CryptoNodeFiles.Load(configPath);
        }

        /// <summary>
        /// Writes the files in order (secrets first, the config that points at them last), each
        /// atomically; if one fails, the ones already written are removed so that a retry can start clean.
        /// </summary>
        private static void WriteAll(string directory, params (string Path, byte[]? Secret, string? Text)[] files)
        {
            var written = new List<string>();
            try
            {
                System.IO.Directory.CreateDirectory(directory);
                foreach ((string path, byte[]? secret, string? text) in files)
                {
                    if (secret != null)
                    {
                        NodeFileIO.CreateSecret(path, secret);
                    }
                    else
                    {
                        NodeFileIO.CreateText(path, text!);
                    }
                    written.Add(path);
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is OpenMsiStreamException)
            {
                foreach (string path in written)
                {
                    try
                    {
                        File.Delete(path);
                    }
                    catch (IOException)
                    {
                    }
                    catch (UnauthorizedAccessException)
                    {
                    }
                }
                throw new OpenMsiStreamException(ErrorIds.CryptoProvisioningFailed,
                    $"The node files could not be written in '{directory}': {ex.Message}", ex, directory);
            }
        }

        private static string ValidNodeId(string nodeId)
        {
            if (string.IsNullOrEmpty(nodeId) || !NodeIdPattern.IsMatch(nodeId) || nodeId == "." || nodeId == ".." || nodeId == "DEFAULT")
            {
                throw Failed($"'{nodeId}' is not a usable node id: use letters, digits, '_', '-' and '.' (not '.', '..' or 'DEFAULT').");
            }
            return nodeId;
        }

        /// <summary>
        /// The certificate's topics: each given topic reduced to its root, duplicates removed, in the
        /// given order; all topics (<c>^.*$</c>) when none are given. Other regular expressions are
        /// refused: KafkaCrypto 0.9.11 cannot match them, so such a node could never exchange keys.
        /// </summary>
        private static IReadOnlyList<string> RootTopics(IReadOnlyList<string>? topics)
        {
            var roots = new List<string>();
            foreach (string topic in topics ?? Array.Empty<string>())
            {
                if (topic == NodeCertificates.AllTopics)
                {
                    return new[] { NodeCertificates.AllTopics };
                }
                if (string.IsNullOrEmpty(topic) || topic.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                {
                    throw Failed($"'{topic}' is not a topic name.");
                }
                if (topic[0] == '^')
                {
                    throw Failed($"The topic pattern '{topic}' cannot be used: KafkaCrypto 0.9.11 honours only '{NodeCertificates.AllTopics}' (all topics); list the root topics instead.");
                }
                string root = TopicKeys.RootOf(topic);
                if (root.Length == 0)
                {
                    throw Failed($"The topic '{topic}' has an empty root (it starts with '.').");
                }
                if (!roots.Contains(root))
                {
                    roots.Add(root);
                }
            }
            return roots.Count > 0 ? roots : new[] { NodeCertificates.AllTopics };
        }

        private static void SelfCheck(byte[] signedProvisioner, byte[] rotPublic, byte[] signedNode, byte[] provPublic)
        {
            if (SodiumPrimitives.SignOpen(signedProvisioner, rotPublic) == null || SodiumPrimitives.SignOpen(signedNode, provPublic) == null)
            {
                throw Failed("The new certificate chain does not verify; the node was not written.");
            }
        }

        private static OpenMsiStreamException Failed(string message) =>
            new OpenMsiStreamException(ErrorIds.CryptoProvisioningFailed, message);
    }
}
