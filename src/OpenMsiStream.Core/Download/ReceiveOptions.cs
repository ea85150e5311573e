using System;
using System.Text.RegularExpressions;

namespace OpenMsiStream.Download
{
    public sealed class ReceiveOptions
    {
        public ReceiveOptions(string topic) => Topic = topic;

        public string Topic { get; }

        /// <summary>
        /// Consumer group. Null means a new group for this run that reads the topic from its beginning
        /// (OpenMSIStream's <c>create_new</c>); give a fixed id to resume where the last run stopped.
        /// </summary>
        public string? GroupId { get; set; }

        /// <summary>Directory to rebuild files in; null keeps them in memory (<see cref="ReceivedFile.Bytes"/>).</summary>
        public string? OutputDirectory { get; set; }

        /// <summary>Only files whose POSIX relative path matches are rebuilt; others are skipped.</summary>
        public Regex? Filter { get; set; }

        /// <summary>Stop after this many files were received.</summary>
        public int? Count { get; set; }

        /// <summary>Stop when no message arrived for this long.</summary>
        public TimeSpan? IdleTimeout { get; set; }

        /// <summary>Largest file received into memory.</summary>
        public long MaxMemoryFileSize { get; set; } = 256L * 1024 * 1024;

        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);
    }
}
