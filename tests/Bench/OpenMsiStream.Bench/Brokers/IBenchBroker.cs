using System;
using System.Collections.Generic;

namespace OpenMsiStream.Bench.Brokers
{
    /// <summary>A broker every figure of one run is measured against, with the config file the product's processes use.</summary>
    internal interface IBenchBroker : IDisposable
    {
        /// <summary>What the table says the figures were measured against.</summary>
        string Description { get; }

        string BootstrapServers { get; }

        /// <summary>Client properties this broker needs (an old broker must be told it is old); empty for a modern one.</summary>
        IReadOnlyDictionary<string, string> ClientSettings { get; }

        /// <summary>An OpenMSIStream-format config file for the openmsistream processes.</summary>
        string ConfigPath { get; }

        /// <summary>
        /// Whether a partition keeps everything produced to it. The embedded mock broker drops data beyond
        /// 5 MiB per partition, so large cases are only meaningful on a broker that keeps it.
        /// </summary>
        bool KeepsAllData { get; }
    }
}
