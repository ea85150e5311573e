using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Download
{
    /// <summary>One version ("generation") of a file: its hash, chunk count and producer mtime.</summary>
    internal sealed class FileGeneration
    {
        public FileGeneration(byte[] fileHash, int totalChunks, double? mtime, DateTime? sentAtUtc = null)
        {
            FileHash = fileHash;
            TotalChunks = totalChunks;
            Mtime = mtime;
            SentAtUtc = sentAtUtc;
        }

        public byte[] FileHash { get; }

        public int TotalChunks { get; }

        public double? Mtime { get; }

        /// <summary>When the producer sent the version's first chunk seen, if the broker kept timestamps.</summary>
        public DateTime? SentAtUtc { get; }

        public static FileGeneration Of(DataFileChunk chunk, DateTime? sentAtUtc = null) => new FileGeneration(chunk.FileHash, chunk.TotalChunks, chunk.FileMtime, sentAtUtc);

        public bool SameHash(DataFileChunk chunk) => FileHash.AsSpan().SequenceEqual(chunk.FileHash);

        public bool SameHash(FileGeneration other) => FileHash.AsSpan().SequenceEqual(other.FileHash);
    }

    /// <summary>The versions of one path received so far: the latest, and the hashes of those it replaced.</summary>
    internal sealed class ReceivedVersions
    {
        public ReceivedVersions(FileGeneration latest, IEnumerable<byte[]> earlierHashes)
        {
            Latest = latest;
            EarlierHashes = new HashSet<string>(earlierHashes.Select(Diagnostics.Hex.Lower), StringComparer.Ordinal);
            EarlierHashes.Remove(Diagnostics.Hex.Lower(latest.FileHash));
        }

        public FileGeneration Latest { get; }

        public HashSet<string> EarlierHashes { get; }

        public bool ReceivedEarlier(byte[] fileHash) => EarlierHashes.Contains(Diagnostics.Hex.Lower(fileHash));

        /// <summary>These versions with <paramref name="newer"/> received on top.</summary>
        public ReceivedVersions With(FileGeneration newer)
        {
            var hashes = EarlierHashes.Select(h => HexToBytes(h)).ToList();
            hashes.Add(Latest.FileHash);
            return new ReceivedVersions(newer, hashes);
        }

        private static byte[] HexToBytes(string hex)
        {
            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = Convert.ToByte(hex.Substring(i * 2, 2), 16);
            }
            return bytes;
        }
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
    /// Decides between two versions of the same path (OpenMSIStream PRs #115/#117), with its flaws
    /// fixed. When the broker keeps message timestamps, the version sent later wins. Otherwise, when
    /// both producer mtimes are known the newer mtime wins, so a file that shrank is not mistaken for an
    /// older version; without mtimes, more chunks means newer (a growing file), and an equal count keeps
    /// the generation already being rebuilt.
    /// </summary>
    internal static class GenerationPolicy
    {
        public static GenerationVerdict Judge(FileGeneration current, DataFileChunk incoming) => Judge(current, FileGeneration.Of(incoming));

        /// <summary>
        /// A version against the one already received: the same hash is a duplicate; a hash received
        /// before (and replaced since) is stale, such as chunks read again after a restart; any other
        /// version is judged by <see cref="Judge(FileGeneration, FileGeneration)"/>.
        /// </summary>
        public static GenerationVerdict JudgeAgainstReceived(ReceivedVersions received, DataFileChunk incoming, DateTime? incomingSentAtUtc)
        {
            if (received.Latest.SameHash(incoming))
            {
                return GenerationVerdict.Same; // the content on disk already, whatever chunk size it is sent with now
            }
            if (received.ReceivedEarlier(incoming.FileHash))
            {
                return GenerationVerdict.Stale;
            }
            return Judge(received.Latest, FileGeneration.Of(incoming, incomingSentAtUtc));
        }

        public static GenerationVerdict Judge(FileGeneration current, FileGeneration incoming)
        {
            if (current.SameHash(incoming))
            {
                if (current.TotalChunks == incoming.TotalChunks)
                {
                    return GenerationVerdict.Same;
                }
                // The same content in another number of chunks: sent again with another chunk size (an
                // uploader restarted with a new -ChunkSize after the file was touched). The later send, or
                // else the newer mtime, replaces the version being rebuilt, whose missing chunks may never
                // come; with nothing to tell them apart the chunks contradict each other.
                return ByTime(current, incoming) ?? GenerationVerdict.Contradictory;
            }
            return ByTime(current, incoming) ?? (incoming.TotalChunks > current.TotalChunks ? GenerationVerdict.Newer : GenerationVerdict.Stale);
        }

        /// <summary>
        /// The version sent later is the newer one, whatever its mtime: a file copied back with an older
        /// mtime, or re-sent by a producer that writes none, still gets through. Without send times (Kafka
        /// before 0.10) the newer mtime wins. Null when neither tells them apart.
        /// </summary>
        private static GenerationVerdict? ByTime(FileGeneration current, FileGeneration incoming)
        {
            if (current.SentAtUtc.HasValue && incoming.SentAtUtc.HasValue && current.SentAtUtc.Value != incoming.SentAtUtc.Value)
            {
                return incoming.SentAtUtc.Value > current.SentAtUtc.Value ? GenerationVerdict.Newer : GenerationVerdict.Stale;
            }
            if (current.Mtime.HasValue && incoming.Mtime.HasValue && current.Mtime.Value != incoming.Mtime.Value)
            {
                return incoming.Mtime.Value > current.Mtime.Value ? GenerationVerdict.Newer : GenerationVerdict.Stale;
            }
            return null;
        }
    }
}
