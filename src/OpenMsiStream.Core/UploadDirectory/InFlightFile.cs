using System;
using System.Threading.Tasks;
using OpenMsiStream.Upload;

namespace OpenMsiStream.UploadDirectory
{
    /// <summary>
    /// One file being sent by the directory uploader: its send, and the acknowledgements that arrive on
    /// librdkafka's thread, kept under this file's own lock until the uploader saves them.
    /// </summary>
    internal sealed class InFlightFile
    {
        private readonly object _gate = new object();
        private UploadRecord? _planned;
        private byte[]? _acknowledged;
        private int _acknowledgedCount;
        private bool _dirty;

        public InFlightFile(string relativePath, UploadRecord? previous)
        {
            RelativePath = relativePath;
            Previous = previous;
        }

        public string RelativePath { get; }

        /// <summary>The registry's record before this send started.</summary>
        public UploadRecord? Previous { get; }

        public Task<SentFile>? Task { get; set; }

        /// <summary>The record of the version being sent, once the file was hashed.</summary>
        public UploadRecord? PlannedRecord
        {
            get
            {
                lock (_gate)
                {
                    return _planned;
                }
            }
        }

        /// <summary>On the sender's worker, after hashing and before the first chunk.</summary>
        public void Plan(string topic, FileSendPlan plan)
        {
            lock (_gate)
            {
                bool resume = plan.Resumed && Previous != null;
                _acknowledged = resume ? (byte[])Previous!.Acknowledged.Clone() : ChunkBitmap.Create(plan.ChunkCount);
                _acknowledgedCount = resume ? Previous!.ChunksAcknowledged : 0;
                int generation = resume ? Previous!.Generation : (Previous == null || Previous.Status == UploadStatus.Skipped ? 0 : Previous.Generation) + 1;
                _planned = UploadRecord.InProgress(topic, RelativePath, plan, (byte[])_acknowledged.Clone(), _acknowledgedCount, Math.Max(1, generation),
                    resume ? Previous!.StartedAt ?? DateTimeOffset.Now : DateTimeOffset.Now, Previous);
                _dirty = true;
            }
        }

        /// <summary>On librdkafka's delivery thread.</summary>
        public void Acknowledge(int chunkIndex)
        {
            lock (_gate)
            {
                if (_acknowledged != null && ChunkBitmap.Set(_acknowledged, chunkIndex))
                {
                    _acknowledgedCount++;
                    _dirty = true;
                }
            }
        }

        /// <summary>The record with the acknowledgements so far, if any arrived since the last call.</summary>
        public UploadRecord? TakeProgress()
        {
            lock (_gate)
            {
                if (!_dirty || _planned == null)
                {
                    return null;
                }
                _dirty = false;
                _planned = _planned.WithProgress((byte[])_acknowledged!.Clone(), _acknowledgedCount);
                return _planned;
            }
        }
    }
}
