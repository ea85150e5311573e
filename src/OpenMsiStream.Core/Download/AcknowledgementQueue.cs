using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// With <see cref="ReceiveOptions.AcknowledgeFiles"/>: files handed out whose messages count as
    /// handled only once their consumer acknowledges them, some with work that must commit together
    /// with the offsets they free. <see cref="Acknowledge"/> and <see cref="AcknowledgeWithCommit"/> are
    /// called from the front end's threads; everything else from the consume thread, which owns the
    /// bookkeeping (and <see cref="Close"/> also from Dispose).
    /// </summary>
    internal sealed class AcknowledgementQueue(OffsetTracker offsets, GroupOffsetCommitter commits)
    {
        private readonly ConcurrentQueue<Acknowledgement> _acknowledged = new ConcurrentQueue<Acknowledgement>();
        private readonly object _acknowledging = new object();
        private bool _acknowledgementsClosed;
        private readonly Dictionary<ReceivedFile, IReadOnlyList<MessagePosition>> _awaitingAcknowledgement = new Dictionary<ReceivedFile, IReadOnlyList<MessagePosition>>();

        /// <summary>The file was taken by its consumer, so its messages may be committed. Any thread.</summary>
        public void Acknowledge(ReceivedFile file) => _acknowledged.Enqueue(new Acknowledgement(file, null));

        /// <summary>See <see cref="FileReceiver.AcknowledgeWithCommit"/>. Any thread.</summary>
        public Task AcknowledgeWithCommit(ReceivedFile file, CommitWithOffsets commit)
        {
            var acknowledgement = new Acknowledgement(file, commit);
            lock (_acknowledging)
            {
                if (_acknowledgementsClosed)
                {
                    return Task.FromCanceled(new CancellationToken(canceled: true));
                }
                _acknowledged.Enqueue(acknowledgement);
            }
            return acknowledgement.Done!.Task;
        }

        /// <summary>A file handed out: its messages stay unhandled until it is acknowledged.</summary>
        public void Await(ReceivedFile file, IReadOnlyList<MessagePosition> positions) => _awaitingAcknowledgement[file] = positions;

        /// <summary>Runs the acknowledgements made so far: their files' messages count as handled.</summary>
        public void Resolve()
        {
            while (_acknowledged.TryDequeue(out Acknowledgement? acknowledgement))
            {
                ReceivedFile file = acknowledgement.File;
                _awaitingAcknowledgement.TryGetValue(file, out IReadOnlyList<MessagePosition>? positions);
                if (acknowledgement.Commit != null && !CommitWith(acknowledgement, positions ?? Array.Empty<MessagePosition>()))
                {
                    continue; // nothing committed: the file's messages stay unhandled until it is acknowledged again
                }
                if (positions != null)
                {
                    _awaitingAcknowledgement.Remove(file);
                    offsets.Resolve(positions);
                }
            }
        }

        /// <summary>Runs an acknowledgement's work with the offsets its file lets the receiver commit; false when it failed.</summary>
        private bool CommitWith(Acknowledgement acknowledgement, IReadOnlyList<MessagePosition> positions)
        {
            try
            {
                commits.CommitWith(acknowledgement.Commit!, positions);
            }
            catch (Exception ex)
            {
                acknowledgement.Done!.TrySetException(ex);
                return false;
            }
            acknowledgement.Done!.TrySetResult(true);
            return true;
        }

        /// <summary>After the consumer closed: work acknowledged from now on (or not yet run) is not committed.</summary>
        public void Close()
        {
            lock (_acknowledging)
            {
                _acknowledgementsClosed = true;
            }
            while (_acknowledged.TryDequeue(out Acknowledgement? acknowledgement))
            {
                acknowledgement.Done?.TrySetCanceled();
            }
        }

        /// <summary>At a normal end, files already handed out are committed once their consumer took them.</summary>
        public void WaitForAll(CancellationToken cancellationToken)
        {
            while (_awaitingAcknowledgement.Count > 0 && !cancellationToken.IsCancellationRequested)
            {
                Resolve();
                if (_awaitingAcknowledgement.Count > 0)
                {
                    cancellationToken.WaitHandle.WaitOne(20);
                }
            }
        }

        private sealed class Acknowledgement
        {
            public Acknowledgement(ReceivedFile file, CommitWithOffsets? commit)
            {
                File = file;
                Commit = commit;
                Done = commit == null ? null : new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            public ReceivedFile File { get; }

            public CommitWithOffsets? Commit { get; }

            public TaskCompletionSource<bool>? Done { get; }
        }
    }
}
