namespace OpenMsiStream.Soak
{
    /// <summary>Everything a soak run can be told; times in seconds, sizes in bytes.</summary>
    internal sealed record SoakOptions
    {
        /// <summary>SIGKILLs of upload-directory and download-directory together (at least).</summary>
        public int Kills { get; init; } = 40;

        public int BrokerOutages { get; init; } = 2;

        public double MinKillInterval { get; init; } = 2;

        public double MaxKillInterval { get; init; } = 15;

        public double MinOutage { get; init; } = 20;

        public double MaxOutage { get; init; } = 60;

        /// <summary>Paths the general writer loop works on.</summary>
        public int Paths { get; init; } = 40;

        /// <summary>Files rewritten in place by one slow write call about once per settle time, often as the uploader opens them (even ones of one chunk, odd ones of three).</summary>
        public int HotPaths { get; init; } = 6;

        public long MaxFileSize { get; init; } = 20_000_000;

        /// <summary>Pause between two operations of the general writer loop: uniform in [min, max].</summary>
        public double MinPause { get; init; } = 0.3;

        public double MaxPause { get; init; } = 1.5;

        /// <summary>upload-directory --settle-time.</summary>
        public double SettleTime { get; init; } = 1;

        /// <summary>upload-directory --chunk-size (the product's default).</summary>
        public long ChunkSize { get; init; } = 524_288;

        public int Partitions { get; init; } = 2;

        /// <summary>Between two torn-file samples of the output.</summary>
        public double SampleInterval { get; init; } = 5;

        /// <summary>The longest wait for the output to match once writing stopped.</summary>
        public double SettleTimeout { get; init; } = 300;

        /// <summary>Stop waiting earlier once nothing changed in the output and neither program printed anything for this long.</summary>
        public double QuietTime { get; init; } = 90;

        public string? ResultsDirectory { get; init; }

        public int Seed { get; init; }

        /// <summary>Keep the source, output and state directories (they can be large) instead of deleting them.</summary>
        public bool KeepData { get; init; }
    }
}
