using System;
using System.Collections.Generic;
using System.Linq;

namespace OpenMsiStream.Download
{
    public enum ReceiveStopReason
    {
        CountReached,
        IdleTimeout,
        Cancelled,
    }

    /// <summary>A file the run ended without: some of its chunks had not arrived.</summary>
    public sealed class IncompleteFile
    {
        public IncompleteFile(string relativePath, int chunksReceived, int totalChunks)
        {
            RelativePath = relativePath;
            ChunksReceived = chunksReceived;
            TotalChunks = totalChunks;
        }

        public string RelativePath { get; }

        public int ChunksReceived { get; }

        public int TotalChunks { get; }

        public override string ToString() => $"'{RelativePath}' ({ChunksReceived} of {TotalChunks} chunks)";
    }

    /// <summary>How a receive run ended.</summary>
    public sealed class ReceiveSummary
    {
        public ReceiveSummary(int filesReceived, int errors, long messages, long bytes, TimeSpan elapsed, ReceiveStopReason stopReason, IReadOnlyList<IncompleteFile>? incomplete = null)
        {
            Incomplete = incomplete ?? Array.Empty<IncompleteFile>();
            FilesReceived = filesReceived;
            Errors = errors;
            Messages = messages;
            Bytes = bytes;
            Elapsed = elapsed;
            StopReason = stopReason;
        }

        public int FilesReceived { get; }

        public int Errors { get; }

        public long Messages { get; }

        public long Bytes { get; }

        public TimeSpan Elapsed { get; }

        public ReceiveStopReason StopReason { get; }

        /// <summary>Files with some chunks received but not all when the run ended.</summary>
        public IReadOnlyList<IncompleteFile> Incomplete { get; }

        /// <summary>
        /// What a person must hear when a run ends with files incomplete, and what becomes of them; null
        /// when there are none. <paramref name="outputDirectory"/> is where they are staged, or null in memory.
        /// </summary>
        public string? DescribeIncomplete(bool resumable, string? outputDirectory = null)
        {
            if (Incomplete.Count == 0)
            {
                return null;
            }
            const int Named = 5;
            string names = string.Join(", ", Incomplete.Take(Named)) + (Incomplete.Count > Named ? $" and {Incomplete.Count - Named} more" : string.Empty);
            return $"{Incomplete.Count} file(s) incomplete: {names}; {FilesReceived} file(s) received. "
                + "Their other chunks had not arrived: the sender may still be sending them, or the broker no longer has them (the embedded broker keeps only 5 MiB per partition and drops older messages when nobody reads them while they are sent). "
                + (!resumable ? "They were not kept: give -GroupId (--group-id) to continue files in a later run."
                    : outputDirectory != null ? $"Their chunks stay staged in '{outputDirectory}', and the next run in the same consumer group completes them."
                    : "The next run in the same consumer group reads their chunks again.");
        }
    }
}
