using System;
using System.Collections.Generic;

namespace OpenMsiStream.Crypto.Provisioning
{
    /// <summary>Everything needed to create a node the way KafkaCrypto's simple-provision does, without prompts.</summary>
    internal sealed class NodeProvisioningRequest
    {
        /// <summary>simple-provision's certificate lifetime: 10 years (3660 days), in seconds.</summary>
        public const double DefaultLifetimeSeconds = 316224000;

        /// <summary>Where the three node files are written (created if missing).</summary>
        public string Directory { get; set; } = string.Empty;

        /// <summary>The node name: letters, digits, '_', '-' and '.'; also the file names.</summary>
        public string NodeId { get; set; } = string.Empty;

        public NodeRole Role { get; set; }

        /// <summary>
        /// Topics the node may use; each is reduced to its root (up to the first '.'). Empty means all
        /// topics (the certificate then says <c>^.*$</c>, the one pattern KafkaCrypto 0.9.11 honours).
        /// </summary>
        public IReadOnlyList<string> Topics { get; set; } = Array.Empty<string>();

        public string RootOfTrustPassword { get; set; } = string.Empty;

        public string ProvisionerPassword { get; set; } = string.Empty;

        /// <summary>Certificate lifetime, which is also the <c>maxage</c> of the node's signed key messages.</summary>
        public double LifetimeSeconds { get; set; } = DefaultLifetimeSeconds;

        /// <summary>Optional <c>crypto_sub_interval</c> (seconds between repeated key requests); not written when null.</summary>
        public double? SubscriptionInterval { get; set; }

        /// <summary>Current time in Unix seconds; the system clock when null (tests fix it).</summary>
        public Func<double>? Clock { get; set; }
    }
}
