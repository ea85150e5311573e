using System;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// Where one version of a file was sent: the partition and the first and last offsets of the chunks
    /// seen so far, and the producer's timestamp of the first one when the broker keeps timestamps. The
    /// offsets order the sends of one partition on every broker (all of a file's chunks go to one
    /// partition with our producer), which is what tells versions apart where timestamps are missing.
    /// </summary>
    internal sealed class SendSpan
    {
        /// <summary>The partition of a version whose chunks came from more than one partition (Python OpenMSIStream spreads them).</summary>
        public const int SeveralPartitions = -1;

        public SendSpan(int partition, long firstOffset, long lastOffset, DateTime? sentAtUtc)
        {
            Partition = partition;
            FirstOffset = firstOffset;
            LastOffset = lastOffset;
            SentAtUtc = sentAtUtc;
        }

        public int Partition { get; private set; }

        public long FirstOffset { get; private set; }

        public long LastOffset { get; private set; }

        /// <summary>When the producer sent the first chunk seen, if the broker kept timestamps (Kafka 0.10 and later).</summary>
        public DateTime? SentAtUtc { get; private set; }

        /// <summary>Whether offsets can order this version against another of the same partition.</summary>
        public bool HasOffsets => Partition != SeveralPartitions;

        public static SendSpan Of(MessagePosition position) => new SendSpan(position.Partition, position.Offset, position.Offset, position.SentAtUtc);

        /// <summary>Takes in another chunk of the same version.</summary>
        public void Include(MessagePosition position)
        {
            if (position.Partition != Partition)
            {
                Partition = SeveralPartitions;
            }
            FirstOffset = Math.Min(FirstOffset, position.Offset);
            LastOffset = Math.Max(LastOffset, position.Offset);
            if (position.SentAtUtc.HasValue && (!SentAtUtc.HasValue || position.SentAtUtc.Value < SentAtUtc.Value))
            {
                SentAtUtc = position.SentAtUtc;
            }
        }

        public override string ToString() => HasOffsets ? $"partition {Partition}, offsets {FirstOffset}..{LastOffset}" : "several partitions";
    }

    /// <summary>One version ("generation") of a file: its hash, chunk count, producer mtime and metadata, and where it was sent.</summary>
    internal sealed class FileGeneration
    {
        public FileGeneration(byte[] fileHash, int totalChunks, double? mtime, SendSpan? span, FileMetadata? metadata = null)
        {
            FileHash = fileHash;
            TotalChunks = totalChunks;
            Mtime = mtime;
            Span = span;
            Metadata = metadata ?? FileMetadata.None;
        }

        /// <summary>The user metadata its chunks carried (<see cref="FileMetadata"/>).</summary>
        public FileMetadata Metadata { get; }

        public byte[] FileHash { get; }

        public int TotalChunks { get; }

        public double? Mtime { get; }

        /// <summary>Where its chunks were sent; null for versions recorded before spans were kept.</summary>
        public SendSpan? Span { get; }

        public static FileGeneration Of(DataFileChunk chunk, MessagePosition position, FileMetadata? metadata = null) =>
            new FileGeneration(chunk.FileHash, chunk.TotalChunks, chunk.FileMtime, SendSpan.Of(position), metadata);

        public bool SameHash(DataFileChunk chunk) => FileHash.AsSpan().SequenceEqual(chunk.FileHash);

        public bool SameHash(FileGeneration other) => FileHash.AsSpan().SequenceEqual(other.FileHash);
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

    /// <summary>A verdict and what it rests on, for the warning that reports a skipped or abandoned version.</summary>
    internal readonly struct GenerationJudgement
    {
        public GenerationJudgement(GenerationVerdict verdict, string basis)
        {
            Verdict = verdict;
            Basis = basis;
        }

        public GenerationVerdict Verdict { get; }

        /// <summary>Why, in words, comparing the incoming version with the other: "sent before it: partition 0, offset 5 before 10".</summary>
        public string Basis { get; }
    }

    /// <summary>
    /// Decides between two versions of the same path (OpenMSIStream PRs #115/#117), with their flaws
    /// fixed: the newest send of a path wins, whatever its content was before and whatever its mtime.
    /// Send order is taken from the producer's timestamps where the broker keeps them, else from the
    /// offsets of one partition (every broker has them). Only when neither orders the two does the newer
    /// producer mtime win, and without mtimes more chunks means newer (a growing file); an equal count
    /// keeps the generation already being rebuilt.
    /// </summary>
    /// <remarks>
    /// A version received before is judged like any other: content that goes back to an earlier state
    /// (A, then B, then A again) is a new send and wins; chunks of an earlier send read again after a
    /// restart sit before the version kept and are stale. Timestamps come first because offsets start
    /// again at 0 when a topic is deleted and created again, where the producer's clock goes on.
    /// </remarks>
    internal static class GenerationPolicy
    {
        /// <summary>A chunk of a version against the version received before: the same content is a duplicate, whatever its chunk size.</summary>
        public static GenerationJudgement JudgeAgainstReceived(FileGeneration received, FileGeneration incoming) =>
            received.SameHash(incoming) ? new GenerationJudgement(GenerationVerdict.Same, "the same content") : Judge(received, incoming);

        public static GenerationJudgement Judge(FileGeneration current, FileGeneration incoming)
        {
            if (current.SameHash(incoming))
            {
                if (current.TotalChunks == incoming.TotalChunks)
                {
                    return new GenerationJudgement(GenerationVerdict.Same, "the same version");
                }
                // The same content in another number of chunks: sent again with another chunk size (an
                // uploader restarted with a new -ChunkSize after the file was touched). The later send, or
                // else the newer mtime, replaces the version being rebuilt, whose missing chunks may never
                // come; with nothing to tell them apart the chunks contradict each other.
                return BySendOrder(current, incoming) ?? ByMtime(current, incoming)
                    ?? new GenerationJudgement(GenerationVerdict.Contradictory, "the same content in another number of chunks");
            }
            return BySendOrder(current, incoming) ?? ByMtime(current, incoming)
                ?? (incoming.TotalChunks > current.TotalChunks
                    ? new GenerationJudgement(GenerationVerdict.Newer, "more chunks, and no send order or modification time")
                    : new GenerationJudgement(GenerationVerdict.Stale, "no send order or modification time puts it after the other"));
        }

        private static GenerationJudgement? BySendOrder(FileGeneration current, FileGeneration incoming)
        {
            SendSpan? kept = current.Span, other = incoming.Span;
            if (kept == null || other == null)
            {
                return null;
            }
            if (kept.SentAtUtc.HasValue && other.SentAtUtc.HasValue && kept.SentAtUtc.Value != other.SentAtUtc.Value)
            {
                return other.SentAtUtc.Value > kept.SentAtUtc.Value
                    ? new GenerationJudgement(GenerationVerdict.Newer, "sent later")
                    : new GenerationJudgement(GenerationVerdict.Stale, $"sent at {other.SentAtUtc.Value:yyyy-MM-dd HH:mm:ss.fff}Z, before {kept.SentAtUtc.Value:yyyy-MM-dd HH:mm:ss.fff}Z");
            }
            if (kept.HasOffsets && other.HasOffsets && kept.Partition == other.Partition)
            {
                if (other.FirstOffset > kept.LastOffset)
                {
                    return new GenerationJudgement(GenerationVerdict.Newer, $"sent later: partition {other.Partition}, offset {other.FirstOffset} after {kept.LastOffset}");
                }
                if (other.LastOffset < kept.FirstOffset)
                {
                    return new GenerationJudgement(GenerationVerdict.Stale, $"sent before it: partition {other.Partition}, offset {other.LastOffset} before {kept.FirstOffset}");
                }
            }
            return null;
        }

        private static GenerationJudgement? ByMtime(FileGeneration current, FileGeneration incoming)
        {
            if (current.Mtime.HasValue && incoming.Mtime.HasValue && current.Mtime.Value != incoming.Mtime.Value)
            {
                return incoming.Mtime.Value > current.Mtime.Value
                    ? new GenerationJudgement(GenerationVerdict.Newer, "a newer modification time")
                    : new GenerationJudgement(GenerationVerdict.Stale, "an older modification time, and no send order");
            }
            return null;
        }
    }
}
