using System;
using OpenMsiStream.Chunks;

namespace OpenMsiStream.Upload
{
    /// <summary>What a caller wants to hear about one file's send, and where to resume it from.</summary>
    public sealed class SendHooks
    {
        /// <summary>Bytes hashed before the first chunk is produced (on a worker thread): the whole file is read once for its hash first.</summary>
        public Action<long>? BytesHashed { get; set; }

        /// <summary>Data bytes of each chunk handed to the producer (on a worker thread).</summary>
        public Action<long>? BytesQueued { get; set; }

        /// <summary>
        /// The file was hashed and is about to be produced (on a worker thread, before the first chunk).
        /// Throwing here aborts the send.
        /// </summary>
        public Action<FileSendPlan>? Planned { get; set; }

        /// <summary>The broker acknowledged a chunk (1-based number), on librdkafka's delivery thread.</summary>
        public Action<int>? ChunkAcknowledged { get; set; }

        /// <summary>Continue an earlier, interrupted send of the same content instead of starting over.</summary>
        public ResumePoint? Resume { get; set; }

        /// <summary>
        /// The size and mtime the file had when it was found settled. When it has others as the send starts
        /// reading, a write began since (the kernel sets the mtime when a write starts, before its data are
        /// in place), and the send fails with FileChangedDuringSend instead of sending what was there
        /// before under the new mtime, which would make the new content look sent.
        /// </summary>
        public FileState? SettledState { get; set; }
    }

    /// <summary>What an interrupted send had achieved.</summary>
    public sealed class ResumePoint
    {
        public ResumePoint(int chunkSize, byte[] fileHash, Func<int, bool> isAcknowledged)
        {
            ChunkSize = chunkSize;
            FileHash = fileHash;
            IsAcknowledged = isAcknowledged;
        }

        /// <summary>The chunk size of the interrupted send (kept, so consumers see one consistent version).</summary>
        public int ChunkSize { get; }

        /// <summary>The content hash of the interrupted send; if the file no longer hashes to it, it is sent whole.</summary>
        public byte[] FileHash { get; }

        /// <summary>Whether a chunk (1-based) was acknowledged before the interruption.</summary>
        public Func<int, bool> IsAcknowledged { get; }
    }

    /// <summary>The content a send is about to put on the wire.</summary>
    public sealed class FileSendPlan
    {
        internal FileSendPlan(FileState state, byte[] fileHash, int chunkSize, int chunkCount, bool resumed)
        {
            State = state;
            FileHash = fileHash;
            ChunkSize = chunkSize;
            ChunkCount = chunkCount;
            Resumed = resumed;
        }

        public FileState State { get; }

        public byte[] FileHash { get; }

        public int ChunkSize { get; }

        public int ChunkCount { get; }

        /// <summary>True when this continues an interrupted send of the same content.</summary>
        public bool Resumed { get; }
    }
}
