using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// Rebuilds files from chunks in any order: one <see cref="FileAssembly"/> per path, duplicates
    /// ignored, newer versions of a file replacing older ones (<see cref="GenerationPolicy"/>), and a
    /// complete file verified against its SHA-512 before it is handed out or moved into place.
    /// Untrusted paths are checked by <see cref="SafeRelativePath"/> before anything is written.
    /// </summary>
    internal sealed class Reassembler : IDisposable
    {
        private readonly Dictionary<string, FileAssembly> _inProgress = new Dictionary<string, FileAssembly>(StringComparer.Ordinal);
        private readonly RecentFiles _finished = new RecentFiles(capacity: 10000);

        /// <summary>Files put in place whose record as received failed (a full disk): recorded when writing works again.</summary>
        private readonly Dictionary<string, UnrecordedFile> _unrecorded = new Dictionary<string, UnrecordedFile>(StringComparer.Ordinal);
        /// <summary>Largest file accepted by default: a bound on what one hostile offset can make us write.</summary>
        public const long DefaultMaxFileSize = 1L << 40;

        private readonly ReassemblyTarget _target;
        private readonly string _topic;
        private readonly long _maxFileSize;
        private readonly int _maxFilesInProgress;
        private readonly long _maxBytesInProgress;
        private long _bytesInProgress;
        private readonly List<OpenMsiStreamException> _evicted = new List<OpenMsiStreamException>();
        private readonly List<MessagePosition> _evictedPositions = new List<MessagePosition>();

        /// <summary>Verified files waiting to be made durable with the others of their group (<see cref="GroupCommit"/>).</summary>
        private readonly List<CompletedFile> _completing = new List<CompletedFile>();
        private readonly HashSet<string> _completingPaths = new HashSet<string>(StringComparer.Ordinal);
        private long _completingBytes;
        private DateTime _oldestCompleting;
        private readonly List<ChunkResult> _committed = new List<ChunkResult>();
        private readonly bool _groupCommit;

        /// <summary>
        /// The group being made durable on a worker thread (<see cref="BeginCommit"/>) while the consumer
        /// thread assembles the next one; at most one, settled (<see cref="FinishDelivery"/>) before the next
        /// starts and before anything that could depend on it.
        /// </summary>
        private GroupDelivery? _delivering;

        /// <param name="groupCommit">
        /// Completed files wait (<see cref="CommitDue"/>) to be made durable together with the files that
        /// complete close to them, and are reported through <see cref="TakeCommitted"/>; otherwise each is
        /// made durable, and reported by <see cref="Accept"/>, on its own.
        /// </param>
        public Reassembler(ReassemblyTarget target, string topic, long maxFileSize = DefaultMaxFileSize,
            int maxFilesInProgress = Defaults.MaxFilesInProgress, long maxBytesInProgress = Defaults.MaxBytesInProgress, bool groupCommit = false)
        {
            _groupCommit = groupCommit;
            _target = target;
            _topic = topic;
            _maxFileSize = maxFileSize;
            _maxFilesInProgress = maxFilesInProgress;
            _maxBytesInProgress = maxBytesInProgress;
            foreach (FileAssembly restored in target.Restore())
            {
                Track(restored); // continued from an earlier run
            }
        }

        /// <summary>Bytes held by all files in progress.</summary>
        public long BytesInProgress => _bytesInProgress;

        /// <summary>
        /// Files given up since the last call because too many (or too large) files were in progress, and
        /// the messages that may now be committed.
        /// </summary>
        public (IReadOnlyList<OpenMsiStreamException> Errors, IReadOnlyList<MessagePosition> Resolved) TakeEvicted()
        {
            var taken = (_evicted.ToArray(), _evictedPositions.ToArray());
            _evicted.Clear();
            _evictedPositions.Clear();
            return taken;
        }

        public int FilesInProgress => _inProgress.Count;

        /// <summary>Verified files waiting for their group to be made durable.</summary>
        public int FilesCompleting => _completing.Count;

        /// <summary>Files of the group being made durable on a worker thread (<see cref="BeginCommit"/>), not yet settled.</summary>
        public int FilesDelivering => _delivering?.Files.Count ?? 0;

        /// <summary>Whether the waiting group is full, or its first file has waited long enough.</summary>
        public bool CommitDue(DateTime utcNow) =>
            _completing.Count >= GroupCommit.MaxFiles || _completingBytes >= GroupCommit.MaxBytes
            || (_completing.Count > 0 && (utcNow - _oldestCompleting).TotalMilliseconds >= GroupCommit.MaxWaitMilliseconds);

        /// <summary>
        /// Makes the waiting files durable, puts them in place and records them, after the group on its way
        /// (<see cref="BeginCommit"/>), and returns when all are done; their results come from <see cref="TakeCommitted"/>.
        /// </summary>
        public void CommitCompleted() => _committed.AddRange(CommitGroup());

        /// <summary>
        /// Starts making the waiting files durable on a worker thread and returns at once, so the consumer
        /// thread reads the next files while the disk syncs these. At most one group is on its way: one
        /// already there is settled first (waiting for it if need be), its results queued for
        /// <see cref="TakeCommitted"/> ahead of this group's, so files are reported in the order they were made durable.
        /// </summary>
        public void BeginCommit()
        {
            FinishDelivery();
            if (_completing.Count > 0)
            {
                _delivering = new GroupDelivery(TakeCompleting(), _target, _topic);
            }
        }

        /// <summary>
        /// What the files made durable since the last call led to (received, failed or blocked), including
        /// a group made durable on a worker thread that has finished meanwhile (without waiting for one that has not).
        /// </summary>
        public IReadOnlyList<ChunkResult> TakeCommitted()
        {
            if (_delivering?.IsDone == true)
            {
                FinishDelivery();
            }
            if (_committed.Count == 0)
            {
                return Array.Empty<ChunkResult>();
            }
            ChunkResult[] taken = _committed.ToArray();
            _committed.Clear();
            return taken;
        }

        /// <summary>
        /// The files in progress, with how many of their chunks are here, except those already reported
        /// as given up (<see cref="AbandonStalled"/>).
        /// </summary>
        public IReadOnlyList<IncompleteFile> Incomplete() =>
            _inProgress.Values.Where(f => !f.Released).OrderBy(f => f.RelativePath, StringComparer.Ordinal)
                .Select(f => new IncompleteFile(f.RelativePath, f.ReceivedChunks, f.Generation.TotalChunks)).ToList();

        /// <param name="metadata">The user metadata the chunk's message carried, if any (<see cref="FileMetadata"/>).</param>
        public ChunkResult Accept(DataFileChunk chunk, MessagePosition position, FileMetadata? metadata = null)
        {
            string relativePath;
            try
            {
                relativePath = SafeRelativePath.Resolve(chunk.Subdirectory, chunk.Filename, chunk.FilenameAppend);
            }
            catch (OpenMsiStreamException error)
            {
                return ChunkResult.Failed(error, new[] { position });
            }
            if (chunk.Offset + chunk.Data.Length > _maxFileSize)
            {
                return ChunkResult.Failed(new OpenMsiStreamException(ErrorIds.InconsistentChunks,
                    $"Chunk {chunk.ChunkIndex} of '{relativePath}' claims bytes {chunk.Offset}..{chunk.Offset + chunk.Data.Length}, beyond the largest file this receiver accepts ({_maxFileSize} bytes); the chunk was rejected.",
                    target: relativePath), new[] { position });
            }

            if (_completingPaths.Contains(relativePath) || _delivering?.Holds(relativePath) == true)
            {
                CommitCompleted(); // a version of this path is on its way into place: settle it first, then judge this chunk against it
            }
            string? warning = null;
            IReadOnlyList<MessagePosition> abandoned = Array.Empty<MessagePosition>();
            FileGeneration incoming = FileGeneration.Of(chunk, position, metadata);
            if (_unrecorded.TryGetValue(relativePath, out UnrecordedFile? unrecorded))
            {
                if (GenerationPolicy.JudgeAgainstReceived(unrecorded.Generation, incoming).Verdict != GenerationVerdict.Newer)
                {
                    return ChunkResult.InProgress; // held back with the file waiting to be recorded (or older than it)
                }
                _unrecorded.Remove(relativePath); // replaced before it could be recorded: the newer version is what counts
                abandoned = unrecorded.Positions;
            }
            if (_inProgress.TryGetValue(relativePath, out FileAssembly? assembly))
            {
                GenerationJudgement judgement = GenerationPolicy.Judge(assembly.Generation, incoming);
                switch (judgement.Verdict)
                {
                    case GenerationVerdict.Same:
                        ChunkResult added = AddTo(assembly, chunk, position, abandoned, warning);
                        EnforceLimits(keep: assembly);
                        return added;
                    case GenerationVerdict.Contradictory:
                        return ChunkResult.Failed(Contradiction(relativePath), new[] { position });
                    case GenerationVerdict.Stale:
                        return ChunkResult.Stale(new[] { position },
                            $"Skipped a chunk of an older version of '{relativePath}' ({chunk.TotalChunks} chunks) than the one arriving ({assembly.Generation.TotalChunks} chunks): {judgement.Basis}.");
                    default:
                        abandoned = Abandon(assembly);
                        warning = $"A newer version of '{relativePath}' arrived ({chunk.TotalChunks} chunks; {judgement.Basis}); the older one ({assembly.ReceivedChunks} of {assembly.Generation.TotalChunks} chunks received) was abandoned.";
                        break;
                }
            }
            else if (_finished.FailedRecently(relativePath, chunk.FileHash))
            {
                return ChunkResult.Duplicate(position); // the rest of a file that just failed: reported once
            }
            else if (FindReceived(relativePath) is FileGeneration received)
            {
                GenerationJudgement judgement = GenerationPolicy.JudgeAgainstReceived(received, incoming);
                switch (judgement.Verdict)
                {
                    case GenerationVerdict.Same:
                        return ChunkResult.Duplicate(position); // a late copy of a file already received
                    case GenerationVerdict.Contradictory:
                        return ChunkResult.Failed(Contradiction(relativePath), new[] { position });
                    case GenerationVerdict.Stale:
                        return ChunkResult.Stale(new[] { position }, $"Skipped a chunk of an older version of '{relativePath}' than the one received: {judgement.Basis}.");
                }
            }

            FileGeneration generation = incoming;
            try
            {
                assembly = new FileAssembly(relativePath, generation, _target.CreateStore(relativePath, chunk), keyPrefix: ChunkMessageKey.Prefix(chunk.Subdirectory, chunk.Filename));
            }
            catch (OpenMsiStreamException error)
            {
                _finished.RememberFailure(relativePath, generation); // one error per file, not one per chunk
                return ChunkResult.Failed(error, Concat(abandoned, position));
            }
            Track(assembly);
            ChunkResult result = AddTo(assembly, chunk, position, abandoned, warning);
            EnforceLimits(keep: assembly);
            return result;
        }

        private void Track(FileAssembly assembly)
        {
            _inProgress[assembly.RelativePath] = assembly;
            _bytesInProgress += assembly.BytesStored;
            assembly.BytesChanged = delta => _bytesInProgress += delta;
        }

        /// <summary>
        /// Gives up on the files that have waited longest for their next chunk while more files, or more
        /// bytes, are in progress than allowed; never on <paramref name="keep"/>, the file being written.
        /// </summary>
        private void EnforceLimits(FileAssembly keep)
        {
            while (_inProgress.Count > _maxFilesInProgress || _bytesInProgress > _maxBytesInProgress)
            {
                FileAssembly? oldest = _inProgress.Values.Where(a => a != keep).OrderBy(a => a.LastChunkAt).FirstOrDefault();
                if (oldest == null)
                {
                    return;
                }
                string why = _inProgress.Count > _maxFilesInProgress
                    ? $"more than {_maxFilesInProgress} files were in progress at once (raise --max-files-in-progress / -MaxFilesInProgress if that is expected)"
                    : $"files in progress held more than {ByteSize.Format(_maxBytesInProgress)} ({_maxBytesInProgress} bytes; raise --max-bytes-in-progress / -MaxBytesInProgress if that is expected)";
                _evicted.Add(new OpenMsiStreamException(ErrorIds.IncompleteFileAbandoned,
                    $"Gave up on '{oldest.RelativePath}' ({oldest.ReceivedChunks} of {oldest.Generation.TotalChunks} chunks): {why}, and it had waited longest for its next chunk. Send it again to deliver it.",
                    target: oldest.RelativePath));
                _evictedPositions.AddRange(oldest.Positions);
                Remove(oldest);
            }
        }

        /// <summary>
        /// Gives up on files that have had no new chunk for <paramref name="timeout"/> (their producer
        /// stopped mid-file and did not come back). Returns a warning per file and the messages that
        /// may now be committed, so one unfinished file does not hold its partition back for ever.
        /// </summary>
        public (IReadOnlyList<OpenMsiStreamException> Errors, IReadOnlyList<MessagePosition> Resolved) AbandonStalled(TimeSpan timeout)
        {
            DateTime cutoff = DateTime.UtcNow - timeout;
            var errors = new List<OpenMsiStreamException>();
            var resolved = new List<MessagePosition>();
            foreach (FileAssembly stalled in _inProgress.Values.Where(a => !a.Released && a.LastChunkAt < cutoff).ToList())
            {
                if (stalled.Restored && !stalled.Touched)
                {
                    stalled.Release(); // taken over from an earlier run and never continued: nothing held back, nothing to report
                    continue;
                }
                if (stalled.IsComplete)
                {
                    continue; // all its chunks are here: it waits for the output (a full disk), not for chunks
                }
                string waited = $"'{stalled.RelativePath}': {stalled.ReceivedChunks} of {stalled.Generation.TotalChunks} chunks arrived and none for {timeout.TotalMinutes:0} minutes";
                if (_target.KeepsIncompleteFiles)
                {
                    resolved.AddRange(stalled.Release());
                    errors.Add(new OpenMsiStreamException(ErrorIds.IncompleteFileAbandoned,
                        $"Stopped waiting for {waited}. Its chunks are kept and it completes if the rest arrives; it no longer holds back the consumer's position.",
                        target: stalled.RelativePath));
                }
                else
                {
                    resolved.AddRange(stalled.Positions);
                    Remove(stalled);
                    errors.Add(new OpenMsiStreamException(ErrorIds.IncompleteFileAbandoned,
                        $"Gave up waiting for {waited}. Send the file again to deliver it.", target: stalled.RelativePath));
                }
            }
            return (errors, resolved);
        }

        /// <summary>
        /// Drops files with chunks from partitions this consumer no longer owns: their other chunks go
        /// to the new owner, which rebuilds them. Their messages stay uncommitted here. Released files
        /// (already committed) are kept, since nobody else will see their earlier chunks.
        /// </summary>
        public int AbandonPartitions(ICollection<int> partitions)
        {
            List<FileAssembly> affected = _inProgress.Values.Where(a => !a.Released && a.Positions.Any(p => partitions.Contains(p.Partition))).ToList();
            affected.ForEach(Remove);
            return affected.Count;
        }

        /// <summary>Throws away every file in progress (nobody can continue them).</summary>
        public void DiscardAll()
        {
            foreach (FileAssembly assembly in _inProgress.Values.ToList())
            {
                Remove(assembly);
            }
            DropCompleting(discard: true);
        }

        /// <summary>Forgets files waiting for their group (a receiver that stops without committing them): their messages are read again.</summary>
        private void DropCompleting(bool discard)
        {
            WaitForDelivery();
            foreach (CompletedFile completed in _completing)
            {
                if (discard)
                {
                    _target.Discard(completed.Assembly);
                }
                completed.Assembly.Dispose();
            }
            _completing.Clear();
            _completingPaths.Clear();
            _completingBytes = 0;
        }

        /// <summary>Records the chunks stored since the last call durably (disk mode).</summary>
        public void Persist() => _target.Persist(_inProgress.Values);

        /// <summary>
        /// Ends this run: in disk mode files in progress are persisted and stay staged for the next run
        /// of the same topic and group; in memory mode they are dropped.
        /// </summary>
        public void Dispose()
        {
            try
            {
                Persist();
            }
            catch (Exception ex) when (RetryableOutputFailure.Is(ex))
            {
                // Not recorded, not committed: the next run reads those chunks again.
            }
            foreach (FileAssembly assembly in _inProgress.Values)
            {
                assembly.Dispose();
            }
            _inProgress.Clear();
            DropCompleting(discard: false); // not recorded: the next run's clean-up removes their staging files
        }

        private FileGeneration? FindReceived(string relativePath)
        {
            if (_finished.TryGet(relativePath, out FileGeneration received))
            {
                return received;
            }
            FileGeneration? earlier = _target.FindReceived(relativePath);
            if (earlier != null)
            {
                _finished.Remember(relativePath, earlier);
            }
            return earlier;
        }

        private ChunkResult AddTo(FileAssembly assembly, DataFileChunk chunk, MessagePosition position, IReadOnlyList<MessagePosition> abandoned, string? warning)
        {
            try
            {
                if (!assembly.Add(chunk, position))
                {
                    if (assembly.IsComplete)
                    {
                        return Finish(assembly, abandoned, warning); // complete before, but could not be put in place
                    }
                    if (assembly.Holds(position))
                    {
                        return ChunkResult.InProgress; // the same message read again: it stays held back with its file
                    }
                    return abandoned.Count == 0 && warning == null ? ChunkResult.Duplicate(position) : ChunkResult.InProgressWithWarning(Concat(abandoned, position), warning!);
                }
                if (!assembly.IsComplete)
                {
                    return warning == null ? ChunkResult.InProgress : ChunkResult.InProgressWithWarning(abandoned, warning);
                }
                return Finish(assembly, abandoned, warning);
            }
            catch (Exception ex) when (IsFileFailure(ex))
            {
                return Failure(assembly, ex, abandoned);
            }
        }

        /// <summary>
        /// After a pause for a failed output: records files put in place whose record failed, and puts in
        /// place files that were complete but could not be. Returns what each led to.
        /// </summary>
        public IReadOnlyList<ChunkResult> RetryBlocked()
        {
            FinishDelivery();
            var results = new List<ChunkResult>(TakeCommitted());
            foreach (UnrecordedFile unrecorded in _unrecorded.Values.ToList())
            {
                try
                {
                    _target.Record(unrecorded.File.RelativePath, unrecorded.Generation, unrecorded.File.Length, unrecorded.StagingName);
                }
                catch (Exception ex) when (RetryableOutputFailure.Is(ex))
                {
                    results.Add(ChunkResult.Blocked(WriteFailed(unrecorded.File.RelativePath, ex)));
                    return results;
                }
                _unrecorded.Remove(unrecorded.File.RelativePath);
                _finished.Remember(unrecorded.File.RelativePath, unrecorded.Generation);
                results.Add(ChunkResult.Completed(unrecorded.File, unrecorded.Positions, unrecorded.Warning));
            }
            foreach (FileAssembly complete in _inProgress.Values.Where(a => a.IsComplete).ToList())
            {
                ChunkResult result;
                try
                {
                    result = Finish(complete, Array.Empty<MessagePosition>(), null);
                }
                catch (Exception ex) when (IsFileFailure(ex))
                {
                    result = Failure(complete, ex, Array.Empty<MessagePosition>());
                }
                if (result != ChunkResult.InProgress)
                {
                    results.Add(result);
                }
                if (result.Kind == ChunkResultKind.Blocked)
                {
                    return results;
                }
            }
            results.AddRange(CommitGroup());
            return results;
        }

        private static bool IsFileFailure(Exception ex) =>
            ex is OpenMsiStreamException || RetryableOutputFailure.Is(ex) || ex is IOException || ex is ArgumentException || ex is NotSupportedException;

        /// <summary>What a failure while storing or finishing a file (<see cref="IsFileFailure"/>) means for it.</summary>
        private ChunkResult Failure(FileAssembly assembly, Exception ex, IReadOnlyList<MessagePosition> abandoned)
        {
            switch (ex)
            {
                case OpenMsiStreamException error:
                    return FailAssembly(assembly, error, abandoned);
                case Exception _ when RetryableOutputFailure.Is(ex):
                    // The output directory is the problem (disk full, no permission), not the message.
                    // What was not recorded durably is forgotten and read again; the file and its
                    // messages are kept, and the receiver pauses and tries again.
                    assembly.ForgetUnpersisted();
                    return ChunkResult.Blocked(WriteFailed(assembly.RelativePath, ex));
                case IOException _:
                case ArgumentException _:
                case NotSupportedException _:
                    // Retrying cannot help (a path too long for the file system, an offset it cannot
                    // seek to): the file fails for good and its messages are committed past.
                    return FailAssembly(assembly, new OpenMsiStreamException(ErrorIds.OutputWriteFailed,
                        $"Could not write '{assembly.RelativePath}': {ex.Message}", ex, assembly.RelativePath), abandoned);
                default:
                    throw new InvalidOperationException($"Rebuilding '{assembly.RelativePath}' failed: {ex.Message}", ex); // IsFileFailure keeps others out
            }
        }

        private static OpenMsiStreamException WriteFailed(string relativePath, Exception ex) =>
            new OpenMsiStreamException(ErrorIds.OutputWriteFailed,
                $"Could not write '{relativePath}': {RetryableOutputFailure.Describe(ex)} Receiving pauses and tries again, from every 5 s to once a minute, until writing works; nothing is lost meanwhile.", ex, relativePath);

        /// <summary>
        /// Verifies a complete file against its SHA-512 (naming the bad chunk when it fails) and queues it
        /// for its group; without group commit the group is this file, made durable and reported at once.
        /// </summary>
        private ChunkResult Finish(FileAssembly assembly, IReadOnlyList<MessagePosition> abandoned, string? warning)
        {
            long length = assembly.CheckCoverage();
            byte[] actual = assembly.Store.ComputeHash(length);
            if (!actual.AsSpan().SequenceEqual(assembly.Generation.FileHash))
            {
                return FailVerification(assembly, abandoned);
            }
            if (_inProgress.Remove(assembly.RelativePath))
            {
                assembly.BytesChanged = null;
                _bytesInProgress -= assembly.BytesStored;
            }
            if (_completing.Count == 0)
            {
                _oldestCompleting = DateTime.UtcNow;
            }
            _completing.Add(new CompletedFile(assembly, length, Hex.Lower(actual), abandoned, warning));
            _completingPaths.Add(assembly.RelativePath);
            _completingBytes += length;
            return _groupCommit ? ChunkResult.InProgress : CommitGroup().Single();
        }

        /// <summary>
        /// The file hash failed: the chunks of this run are checked against their own hashes (they are not
        /// hashed one by one as they arrive), so a corrupt chunk is named with its message.
        /// </summary>
        private ChunkResult FailVerification(FileAssembly assembly, IReadOnlyList<MessagePosition> abandoned)
        {
            IReadOnlyList<(int ChunkIndex, MessagePosition Position)> corrupt = assembly.FindCorruptChunks();
            if (corrupt.Count == 0)
            {
                return FailAssembly(assembly, new OpenMsiStreamException(ErrorIds.HashMismatch,
                    $"'{assembly.RelativePath}' was rebuilt from all {assembly.Generation.TotalChunks} chunks but its SHA-512 does not match the producer's; it was not written.",
                    target: assembly.RelativePath), abandoned);
            }
            string which = corrupt.Count == 1
                ? $"Chunk {corrupt[0].ChunkIndex} of {assembly.Generation.TotalChunks} of '{assembly.RelativePath}' is corrupt: its data does not match its SHA-512 chunk hash"
                : $"Chunks {string.Join(", ", corrupt.Select(c => c.ChunkIndex))} of {assembly.Generation.TotalChunks} of '{assembly.RelativePath}' are corrupt: their data does not match their SHA-512 chunk hashes";
            string where = assembly.Generation.TotalChunks == 1 ? string.Empty
                : (corrupt.Count == 1 ? " (message at " : " (messages at ") + string.Join("; ", corrupt.Select(c => c.Position.ToString())) + ")";
            var error = new OpenMsiStreamException(ErrorIds.CorruptChunk,
                assembly.Generation.TotalChunks == 1 ? which + "." : $"{which}{where}; the file was not written.", target: assembly.RelativePath);
            ChunkResult failed = FailAssembly(assembly, error, abandoned);
            return ChunkResult.Failed(error, failed.Resolved, badMessage: corrupt[0].Position);
        }

        /// <summary>
        /// Makes the waiting files durable and puts them in place, in one go (<see cref="ReassemblyTarget.Deliver"/>),
        /// and says what each led to: received; in place but not recorded (held back, recorded later);
        /// blocked by the output (back in progress, read again); or failed for good. Files of the group
        /// held back by another one's full disk (<see cref="CompletedFile.Deferred"/>) lead to nothing yet.
        /// </summary>
        private List<ChunkResult> CommitGroup()
        {
            FinishDelivery(); // the group on its way first: its results are queued ahead of these
            if (_completing.Count == 0)
            {
                return new List<ChunkResult>();
            }
            List<CompletedFile> group = TakeCompleting();
            _target.Deliver(group, _topic);
            return Outcomes(group);
        }

        private List<CompletedFile> TakeCompleting()
        {
            List<CompletedFile> group = _completing.ToList();
            _completing.Clear();
            _completingPaths.Clear();
            _completingBytes = 0;
            return group;
        }

        /// <summary>
        /// Waits for the group on its way (<see cref="BeginCommit"/>), if any, and adds what its files led to
        /// to the results <see cref="TakeCommitted"/> returns. A failure of the delivery itself (not of one
        /// file) is thrown here, on the consumer thread, as it would have been without the worker.
        /// </summary>
        public void FinishDelivery()
        {
            GroupDelivery? delivery = _delivering;
            if (delivery == null)
            {
                return;
            }
            _delivering = null;
            delivery.Wait();
            _committed.AddRange(Outcomes(delivery.Files));
        }

        /// <summary>At the end (or when dropping everything): the group on its way finishes before its files are let go; what it led to is not reported.</summary>
        private void WaitForDelivery()
        {
            try
            {
                FinishDelivery();
            }
            catch (Exception)
            {
                // Ending anyway (its failure, if any, is not this call's to report): files not recorded are read again by the next run.
            }
        }

        /// <summary>What each file of a group made durable (<see cref="ReassemblyTarget.Deliver"/>) led to.</summary>
        private List<ChunkResult> Outcomes(IReadOnlyList<CompletedFile> group)
        {
            var results = new List<ChunkResult>(group.Count);
            foreach (CompletedFile completed in group)
            {
                FileAssembly assembly = completed.Assembly;
                IReadOnlyList<MessagePosition> positions = Concat(completed.Abandoned, assembly.Positions);
                if (completed.Deferred)
                {
                    // Complete and verified, but its group stopped at a full disk: it waits in progress,
                    // whole, and goes into place after the pause (RetryBlocked); nothing resolved.
                    Track(assembly);
                }
                else if (completed.Failure == null)
                {
                    assembly.Dispose();
                    _finished.Remember(assembly.RelativePath, assembly.Generation);
                    results.Add(ChunkResult.Completed(completed.Delivered!, positions, completed.Warning));
                }
                else if (completed.Unrecorded)
                {
                    // In place but not recorded: its messages stay held back until the record is written.
                    assembly.Dispose();
                    _unrecorded[assembly.RelativePath] = new UnrecordedFile(completed.Delivered!, assembly.Generation, ((DiskChunkStore)assembly.Store).StagingName, positions, completed.Warning);
                    results.Add(ChunkResult.Blocked(WriteFailed(assembly.RelativePath, completed.Failure)));
                }
                else
                {
                    if (RetryableOutputFailure.Is(completed.Failure))
                    {
                        Track(assembly); // in progress again: what was not recorded durably is read again
                    }
                    results.Add(Failure(assembly, completed.Failure, completed.Abandoned));
                }
            }
            return results;
        }

        private ChunkResult FailAssembly(FileAssembly assembly, OpenMsiStreamException error, IReadOnlyList<MessagePosition> abandoned)
        {
            Remove(assembly);
            _finished.RememberFailure(assembly.RelativePath, assembly.Generation);
            return ChunkResult.Failed(error, Concat(abandoned, assembly.Positions));
        }

        private IReadOnlyList<MessagePosition> Abandon(FileAssembly assembly)
        {
            Remove(assembly);
            return assembly.Positions;
        }

        private void Remove(FileAssembly assembly)
        {
            if (_inProgress.Remove(assembly.RelativePath))
            {
                assembly.BytesChanged = null;
                _bytesInProgress -= assembly.BytesStored;
            }
            _target.Discard(assembly);
            assembly.Dispose();
        }

        private static IReadOnlyList<MessagePosition> Concat(IReadOnlyList<MessagePosition> first, IReadOnlyList<MessagePosition> second)
        {
            var all = new List<MessagePosition>(first.Count + second.Count);
            all.AddRange(first);
            all.AddRange(second);
            return all;
        }

        private static IReadOnlyList<MessagePosition> Concat(IReadOnlyList<MessagePosition> first, MessagePosition position) => Concat(first, new[] { position });

        private static OpenMsiStreamException Contradiction(string relativePath) =>
            new OpenMsiStreamException(ErrorIds.InconsistentChunks,
                $"Chunks of '{relativePath}' with the same file hash disagree about the number of chunks; the chunk was rejected.", target: relativePath);
    }

    /// <summary>A group of verified files being made durable and put in place on a worker thread.</summary>
    internal sealed class GroupDelivery
    {
        private readonly HashSet<string> _paths;
        private readonly System.Threading.Tasks.Task _task;

        public GroupDelivery(List<CompletedFile> files, ReassemblyTarget target, string topic)
        {
            Files = files;
            _paths = new HashSet<string>(files.Select(f => f.Assembly.RelativePath), StringComparer.Ordinal);
            _task = System.Threading.Tasks.Task.Run(() => target.Deliver(files, topic));
        }

        public List<CompletedFile> Files { get; }

        public bool IsDone => _task.IsCompleted;

        /// <summary>Whether a version of <paramref name="relativePath"/> is in this group.</summary>
        public bool Holds(string relativePath) => _paths.Contains(relativePath);

        /// <summary>Waits until the group is in place; an exception of the delivery is rethrown as it was thrown.</summary>
        public void Wait()
        {
            try
            {
                _task.Wait();
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException!).Throw();
            }
        }
    }

    /// <summary>A file put in place whose record as received is still to be written.</summary>
    internal sealed class UnrecordedFile
    {
        public UnrecordedFile(ReceivedFile file, FileGeneration generation, string stagingName, IReadOnlyList<MessagePosition> positions, string? warning)
        {
            File = file;
            Generation = generation;
            StagingName = stagingName;
            Positions = positions;
            Warning = warning;
        }

        public ReceivedFile File { get; }

        public FileGeneration Generation { get; }

        public string StagingName { get; }

        public IReadOnlyList<MessagePosition> Positions { get; }

        public string? Warning { get; }
    }
}
