using System;

namespace OpenMsiStream
{
    /// <summary>
    /// The defaults users see, in one place: the option objects, the operation descriptions (and so the
    /// CLI's help and the service translator) and the cmdlets' parameters all read them from here, so a
    /// default is changed once. Internal tuning values (poll slices, flush bounds) stay with their code.
    /// </summary>
    public static class Defaults
    {
        /// <summary>Largest file a receiver or processor keeps in memory.</summary>
        public const long MaxMemoryFileSize = 256L * 1024 * 1024;

        /// <summary>Files processed (or transferred) at once.</summary>
        public const int ThrottleLimit = 2;

        /// <summary>
        /// Most files a receiver holds in progress; beyond it the one that waited longest is given up. The
        /// in-progress limits are far above what busy producers leave in progress (an uploader has up to 256
        /// files in flight) and far below what exhausts a lab server: 10,000 never-finished files cost about
        /// 30 MB of memory and 50 MB of staging (a flood of 40,000 cost 114 MB and 192 MB before there was a bound).
        /// </summary>
        public const int MaxFilesInProgress = 10_000;

        /// <summary>Most bytes a receiver holds in progress.</summary>
        public const long MaxBytesInProgress = 64L * 1024 * 1024 * 1024;

        /// <summary>Bytes per part of an S3 multipart upload.</summary>
        public const long S3PartSize = 8L * 1024 * 1024;

        /// <summary>Where the Prometheus endpoint listens unless told otherwise: this computer only.</summary>
        public const string MetricsAddress = "127.0.0.1";

        /// <summary>How long a watched file's size and mtime must stay unchanged before it is sent.</summary>
        public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(3);

        /// <summary>Time between full scans of a watched directory, with events as hints.</summary>
        public static readonly TimeSpan ScanInterval = TimeSpan.FromSeconds(30);

        /// <summary>Time between full scans with -Polling / --polling (no events to rely on).</summary>
        public static readonly TimeSpan PollingScanInterval = TimeSpan.FromSeconds(5);

        /// <summary>An S3 transfer tries failed files again after this long while it runs.</summary>
        public static readonly TimeSpan S3RetryFailedAfter = TimeSpan.FromMinutes(5);

        /// <summary>How long to wait for a message's key once the first message was handled.</summary>
        public static readonly TimeSpan MaxWaitPerDecrypt = TimeSpan.FromSeconds(5);

        /// <summary>How long to wait for the key of the first encrypted message, while the key exchange runs.</summary>
        public static readonly TimeSpan MaxInitialWaitPerDecrypt = TimeSpan.FromSeconds(60);

        /// <summary>Time between heartbeats and status-file updates.</summary>
        public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(60);

        /// <summary>Time between log messages on the log topic.</summary>
        public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(60);

        /// <summary>How long a client waits for the broker before it reports it unreachable.</summary>
        public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

        /// <summary>A file in progress that got no chunk for this long is given up.</summary>
        public static readonly TimeSpan StalledFileTimeout = TimeSpan.FromHours(1);
    }
}
