using System;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Download
{
    /// <summary>One version ("generation") of a file: its hash, chunk count and producer mtime.</summary>
    internal sealed class FileGeneration
    {
        public FileGeneration(byte[] fileHash, int totalChunks, double? mtime)
        {
            FileHash = fileHash;
            TotalChunks = totalChunks;
            Mtime = mtime;
        }

        public byte[] FileHash { get; }

        public int TotalChunks { get; }

        public double? Mtime { get; }

        public static FileGeneration Of(DataFileChunk chunk) => new FileGeneration(chunk.FileHash, chunk.TotalChunks, chunk.FileMtime);

        public bool SameHash(DataFileChunk chunk) => FileHash.AsSpan().SequenceEqual(chunk.FileHash);
    }

    internal enum GenerationVerdict
    {
        /// <summary>The chunk belongs to the generation at hand.</summary>
        Same,

        /// <summary>The chunk is from a newer version of the file: the older one is abandoned.</summary>
        Newer,

        /// <summary>The chunk is from an older (or undecidable) version: it is skipped.</summary>
        Stale,

        /// <summary>Same hash but a different chunk count: the messages contradict each other.</summary>
        Contradictory,
    }

    /// <summary>
    /// Decides between two versions of the same path (OpenMSIStream PRs #115/#117), with its flaw
    /// fixed: when both producer mtimes are known the newer mtime wins, so a file that shrank is not
    /// mistaken for an older version. Without mtimes, more chunks means newer (a growing file), and an
    /// equal count keeps the generation already being rebuilt.
    /// </summary>
    internal static class GenerationPolicy
    {
        public static GenerationVerdict Judge(FileGeneration current, DataFileChunk incoming)
        {
            if (current.SameHash(incoming))
            {
                return current.TotalChunks == incoming.TotalChunks ? GenerationVerdict.Same : GenerationVerdict.Contradictory;
            }
            if (current.Mtime.HasValue && incoming.FileMtime.HasValue && current.Mtime.Value != incoming.FileMtime.Value)
            {
                return incoming.FileMtime.Value > current.Mtime.Value ? GenerationVerdict.Newer : GenerationVerdict.Stale;
            }
            return incoming.TotalChunks > current.TotalChunks ? GenerationVerdict.Newer : GenerationVerdict.Stale;
        }
    }
}
