using System;
using System.Collections.Generic;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// Passes on what messages and files led to (<see cref="ChunkResult"/>): their messages to the
    /// offsets (or, for files their consumer acknowledges, to the <see cref="AcknowledgementQueue"/>);
    /// files, warnings and errors to the observer, counted; an output that cannot be written to the
    /// <see cref="OutputOutage"/>, which pauses receiving. Consume thread only.
    /// </summary>
    internal sealed class OutcomeReporter(ReceiveOptions options, Reassembler reassembler, OffsetTracker offsets, AcknowledgementQueue acknowledgements, OutputOutage outage)
    {
        private IRunObserver<ReceivedFile, ReceiveProgress>? _observer;

        /// <summary>Files received in this run.</summary>
        public int Received { get; private set; }

        /// <summary>Errors reported in this run.</summary>
        public int Errors { get; private set; }

        /// <summary>A run begins: outcomes go to <paramref name="observer"/>, counted from zero.</summary>
        public void Start(IRunObserver<ReceivedFile, ReceiveProgress> observer)
        {
            _observer = observer;
            Received = Errors = 0;
        }

        /// <summary>
        /// Whether the files waiting for their group commit go now: the group is full or has waited long
        /// enough, or it holds as many files as are still to be received (a group never goes past --count).
        /// </summary>
        public bool GroupCommitDue() =>
            reassembler.CommitDue(DateTime.UtcNow)
            || (options.Count.HasValue && Received + reassembler.FilesDelivering + reassembler.FilesCompleting >= options.Count.Value);

        /// <summary>
        /// Makes the files waiting for their group durable, after the group on its way, and passes on what
        /// that led to; returns when all are done. True when <see cref="ReceiveOptions.Count"/> files have arrived.
        /// </summary>
        public bool CommitCompleted()
        {
            reassembler.CommitCompleted();
            return ApplyAll(reassembler.TakeCommitted());
        }

        /// <summary>
        /// Passes on what the group on its way led to (waiting for it if need be), then starts making the
        /// files waiting for their group durable on a worker thread (<see cref="Reassembler.BeginCommit"/>),
        /// unless that group paused receiving or reached the count (then they wait, and go with the retry
        /// or at the end). A group that can reach the count is made durable at once instead, so no file
        /// past the count is read meanwhile. True when <see cref="ReceiveOptions.Count"/> files have arrived.
        /// </summary>
        public bool BeginCommit()
        {
            reassembler.FinishDelivery();
            bool reached = ApplyAll(reassembler.TakeCommitted());
            if (reached || outage.Waiting)
            {
                return reached;
            }
            if (options.Count.HasValue && Received + reassembler.FilesCompleting >= options.Count.Value)
            {
                return CommitCompleted();
            }
            reassembler.BeginCommit();
            return false;
        }

        /// <summary>Passes on what the group on its way led to if it is done, without waiting; true when <see cref="ReceiveOptions.Count"/> files have arrived.</summary>
        public bool TakeDelivered() => ApplyAll(reassembler.TakeCommitted());

        /// <summary>
        /// Passes on what several files led to (a group commit, a retry after a pause): all of them, since
        /// each file received is in place and recorded and must be reported; then one pause for those the
        /// output blocked. Blocked ones come last: a file received ends a pause (<see cref="Apply"/>), and
        /// must not end the one its own group just began. True when <see cref="ReceiveOptions.Count"/>
        /// files have arrived.
        /// </summary>
        public bool ApplyAll(IEnumerable<ChunkResult> outcomes)
        {
            bool reached = false;
            List<OpenMsiStreamException>? blocked = null;
            foreach (ChunkResult outcome in outcomes)
            {
                if (outcome.Kind == ChunkResultKind.Blocked)
                {
                    (blocked ??= new List<OpenMsiStreamException>()).Add(outcome.Error!);
                }
                else
                {
                    reached |= Apply(outcome);
                }
            }
            if (blocked != null)
            {
                Block(blocked);
            }
            return reached;
        }

        /// <summary>Passes on what a message (or a retry) led to; true when <see cref="ReceiveOptions.Count"/> files have arrived.</summary>
        private bool Apply(ChunkResult outcome)
        {
            if (outcome.File != null && options.AcknowledgeFiles)
            {
                acknowledgements.Await(outcome.File, outcome.Resolved);
            }
            else
            {
                offsets.Resolve(outcome.Resolved);
            }
            if (outcome.Warning != null)
            {
                _observer!.Warning(outcome.Warning);
            }
            if (outcome.Error != null)
            {
                Errors++;
                _observer!.Error(outcome.Error);
            }
            if (outcome.File == null)
            {
                return false;
            }
            if (outage.End(DateTime.UtcNow) is TimeSpan lasted)
            {
                _observer!.Warning($"Writing to '{options.OutputDirectory}' works again after {lasted.TotalSeconds:0} s; receiving goes on.");
            }
            Received++;
            _observer!.File(outcome.File);
            return options.Count.HasValue && Received >= options.Count.Value;
        }

        /// <summary>The output cannot be written (a full disk, a permission): report it (once per file while it lasts), and pause.</summary>
        private void Block(IReadOnlyList<OpenMsiStreamException> errors)
        {
            foreach (OpenMsiStreamException error in errors)
            {
                if (outage.IsNew(error.Target?.ToString() ?? error.Message))
                {
                    Errors++;
                    _observer!.Error(error);
                }
            }
            outage.Fail(DateTime.UtcNow); // once for them all: the delay before the next try grows per try, not per file
        }

        /// <summary>Records the chunks stored since the last time; a full disk pauses receiving like a failed write.</summary>
        public void PersistProgress()
        {
            try
            {
                reassembler.Persist();
            }
            catch (Exception ex) when (RetryableOutputFailure.Is(ex))
            {
                Block(new[] { new OpenMsiStreamException(ErrorIds.OutputWriteFailed,
                    $"Could not record the files in progress in '{options.OutputDirectory}': {RetryableOutputFailure.Describe(ex)} Receiving pauses and tries again until writing works; nothing is lost meanwhile.",
                    ex, options.OutputDirectory) });
            }
        }

        /// <summary>Files given up (too many in progress, or stalled): reported, and their messages committed.</summary>
        public void ReportGivenUp((IReadOnlyList<OpenMsiStreamException> Errors, IReadOnlyList<MessagePosition> Resolved) givenUp)
        {
            offsets.Resolve(givenUp.Resolved);
            foreach (OpenMsiStreamException error in givenUp.Errors)
            {
                Errors++;
                _observer!.Error(error);
            }
        }
    }
}
