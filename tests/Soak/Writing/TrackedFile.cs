using System;
using System.Collections.Generic;

namespace OpenMsiStream.Soak.Writing
{
    /// <summary>A backup copy of one state of a file, kept outside the watched directory (cp -p: content and mtime).</summary>
    internal sealed record Snapshot(string CopyPath, string Sha512, long Length, DateTime MtimeUtc);

    /// <summary>What the writer knows of one path it owns: its current state and its backups.</summary>
    internal sealed class TrackedFile
    {
        public TrackedFile(string relativePath, string fullPath)
        {
            RelativePath = relativePath;
            FullPath = fullPath;
        }

        public string RelativePath { get; }

        public string FullPath { get; }

        public bool Exists { get; set; }

        public long Length { get; set; }

        public string Sha512 { get; set; } = "";

        public DateTime MtimeUtc { get; set; }

        /// <summary>The length before the latest operation, when it was a grow (truncating back restores that content exactly).</summary>
        public long? LengthBeforeGrow { get; set; }

        public List<Snapshot> Snapshots { get; } = new List<Snapshot>();
    }
}
