using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using OpenMsiStream.Chunks;

namespace OpenMsiStream.UploadDirectory
{
    public sealed class UploadDirectoryOptions
    {
        public UploadDirectoryOptions(string directory, string topic)
        {
            Directory = directory;
            Topic = topic;
        }

        public string Directory { get; }

        public string Topic { get; }

        /// <summary>Where the upload registry lives; default <see cref="UploadRegistry.DefaultStateDirectory"/>.</summary>
        public string? StateDirectory { get; set; }

        /// <summary>How long a file's size and mtime must stay the same before it is sent.</summary>
        public TimeSpan SettleTime { get; set; } = Defaults.SettleTime;

        /// <summary>Rely on periodic scans only (no file-system events), for shares where events are lost.</summary>
        public bool PollingOnly { get; set; }

        /// <summary>Time between full scans; default 30 s with events, 5 s when polling only.</summary>
        public TimeSpan? ScanInterval { get; set; }

        public IList<string> Include { get; } = new List<string>();

        public IList<string> Exclude { get; } = new List<string>();

        public Regex? Filter { get; set; }

        /// <summary>Also upload hidden files (names starting with '.', the Hidden attribute on Windows).</summary>
        public bool IncludeHidden { get; set; }

        /// <summary>
        /// Read each file's metadata from its sidecar, <c>&lt;name&gt;.metadata.json</c> beside it, and never send
        /// sidecars themselves (see <see cref="UploadDirectory.MetadataSidecar"/>).
        /// </summary>
        public bool MetadataSidecar { get; set; }

        /// <summary>Send the files already present the first time the directory is watched.</summary>
        public bool UploadExisting { get; set; }

        public int ChunkSize { get; set; } = ChunkSizeRules.Default;

        public long? MaxBytesPerSecond { get; set; }

        /// <summary>Files being sent or waiting for acknowledgements at once.</summary>
        public int MaxFilesInFlight { get; set; } = 256;

        public TimeSpan ConnectTimeout { get; set; } = Defaults.ConnectTimeout;

        /// <summary>How long stopping waits for the broker to acknowledge chunks already produced.</summary>
        public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(30);

        internal TimeSpan EffectiveScanInterval => ScanInterval ?? (PollingOnly ? Defaults.PollingScanInterval : Defaults.ScanInterval);
    }
}
