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
        /// <summary>Largest file accepted by default: a bound on what one hostile offset can make us write.</summary>
        public const long DefaultMaxFileSize = 1L << 40;

        private readonly ReassemblyTarget _target;
        private readonly string _topic;
        private readonly long _maxFileSize;

        public Reassembler(ReassemblyTarget target, string topic, long maxFileSize = DefaultMaxFileSize)
        {
            _target = target;
            _topic = topic;
            _maxFileSize = maxFileSize;
            foreach (FileAssembly restored in target.Restore())
            {
                _inProgress[restored.RelativePath] = restored; // continued from an earlier run
            }
        }

        public int FilesInProgress => _inProgress.Count;

        /// <summary>The files in progress, with how many of their chunks are here.</summary>
        public IReadOnlyList<IncompleteFile> Incomplete() =>
            _inProgress.Values.OrderBy(f => f.RelativePath, StringComparer.Ordinal)
                .Select(f => new IncompleteFile(f.RelativePath, f.ReceivedChunks, f.Generation.TotalChunks)).ToList();

        public ChunkResult Accept(DataFileChunk chunk, MessagePosition position)
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
                return ChunkResult.Failed(new OpenMsiStreamException(ErrorIds.InconsistentChunks, ErrorKind.InvalidData,
                    $"Chunk {chunk.ChunkIndex} of '{relativePath}' claims bytes {chunk.Offset}..{chunk.Offset + chunk.Data.Length}, beyond the largest file this receiver accepts ({_maxFileSize} bytes); the chunk was rejected.",
                    target: relativePath), new[] { position });
            }

            string? warning = null;
            IReadOnlyList<MessagePosition> abandoned = Array.Empty<MessagePosition>();
            if (_inProgress.TryGetValue(relativePath, out FileAssembly? assembly))
            {
                switch (GenerationPolicy.Judge(assembly.Generation, chunk))
                {
                    case GenerationVerdict.Same:
                        return AddTo(assembly, chunk, position, abandoned, warning);
                    case GenerationVerdict.Contradictory:
                        return ChunkResult.Failed(Contradiction(relativePath), new[] { position });
                    case GenerationVerdict.Stale:
                        return ChunkResult.Stale(new[] { position }, StaleWarning(relativePath, chunk, assembly.Generation));
                    default:
                        abandoned = Abandon(assembly);
                        warning = $"A newer version of '{relativePath}' arrived ({chunk.TotalChunks} chunks); the older one ({assembly.ReceivedChunks} of {assembly.Generation.TotalChunks} chunks received) was abandoned.";
                        break;
                }
            }
            else if (_finished.FailedRecently(relativePath, chunk.FileHash))
            {
                return ChunkResult.Duplicate(position); // the rest of a file that just failed: reported once
            }
            else if (FindReceived(relativePath) is ReceivedVersions received)
            {
                switch (GenerationPolicy.JudgeAgainstReceived(received, chunk, position.SentAtUtc))
                {
                    case GenerationVerdict.Same:
                        return ChunkResult.Duplicate(position); // a late copy of a file already received
                    case GenerationVerdict.Contradictory:
                        return ChunkResult.Failed(Contradiction(relativePath), new[] { position });
                    case GenerationVerdict.Stale:
                        return ChunkResult.Stale(new[] { position }, $"Skipped a chunk of an older version of '{relativePath}' that was received before and has been replaced since.");
                }
            }

            FileGeneration generation = FileGeneration.Of(chunk, position.SentAtUtc);
            try
            {
                assembly = new FileAssembly(relativePath, generation, _target.CreateStore(relativePath, chunk), keyPrefix: ChunkMessageKey.Prefix(chunk.Subdirectory, chunk.Filename));
            }
            catch (OpenMsiStreamException error)
            {
                _finished.RememberFailure(relativePath, generation); // one error per file, not one per chunk
                return ChunkResult.Failed(error, Concat(abandoned, position));
            }
            _inProgress[relativePath] = assembly;
            return AddTo(assembly, chunk, position, abandoned, warning);
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
                string waited = $"'{stalled.RelativePath}': {stalled.ReceivedChunks} of {stalled.Generation.TotalChunks} chunks arrived and none for {timeout.TotalMinutes:0} minutes";
                if (_target.KeepsIncompleteFiles)
                {
                    resolved.AddRange(stalled.Release());
                    errors.Add(new OpenMsiStreamException(ErrorIds.IncompleteFileAbandoned, ErrorKind.OperationTimeout,
                        $"Stopped waiting for {waited}. Its chunks are kept and it completes if the rest arrives; it no longer holds back the consumer's position.",
                        target: stalled.RelativePath));
                }
                else
                {
                    resolved.AddRange(stalled.Positions);
                    Remove(stalled);
                    errors.Add(new OpenMsiStreamException(ErrorIds.IncompleteFileAbandoned, ErrorKind.OperationTimeout,
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
        }

        /// <summary>Records the chunks stored since the last call durably (disk mode).</summary>
        public void Persist() => _target.Persist(_inProgress.Values);

        /// <summary>
        /// Ends this run: in disk mode files in progress are persisted and stay staged for the next run
        /// of the same topic and group; in memory mode they are dropped.
        /// </summary>
        public void Dispose()
        {
            Persist();
            foreach (FileAssembly assembly in _inProgress.Values)
            {
                assembly.Dispose();
            }
            _inProgress.Clear();
        }

        private ReceivedVersions? FindReceived(string relativePath)
        {
            if (_finished.TryGet(relativePath, out ReceivedVersions versions))
            {
                return versions;
            }
            ReceivedVersions? earlier = _target.FindReceived(relativePath);
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
                    return abandoned.Count == 0 && warning == null ? ChunkResult.Duplicate(position) : ChunkResult.InProgressWithWarning(Concat(abandoned, position), warning!);
                }
                if (!assembly.IsComplete)
                {
                    return warning == null ? ChunkResult.InProgress : ChunkResult.InProgressWithWarning(abandoned, warning);
                }
                return Finish(assembly, abandoned, warning);
            }
            catch (OpenMsiStreamException error)
            {
                return FailAssembly(assembly, error, abandoned);
            }
            catch (Exception ex) when (IsRetryable(ex))
            {
                // The output directory is the problem (disk full, no permission), not the message:
                // report it, and leave the messages uncommitted so the file is read again after the
                // cause is fixed and the receiver restarted.
                Remove(assembly);
                var error = new OpenMsiStreamException(ErrorIds.OutputWriteFailed, ErrorKind.WriteError,
                    $"Could not write '{assembly.RelativePath}': {ex.Message} It will be received again after a restart.", ex, assembly.RelativePath);
                return ChunkResult.Failed(error, abandoned);
            }
            catch (Exception ex) when (ex is IOException || ex is ArgumentException || ex is NotSupportedException)
            {
                // Retrying cannot help (a path too long for the file system, an offset it cannot
                // seek to): the file fails for good and its messages are committed past.
                return FailAssembly(assembly, new OpenMsiStreamException(ErrorIds.OutputWriteFailed, ErrorKind.WriteError,
                    $"Could not write '{assembly.RelativePath}': {ex.Message}", ex, assembly.RelativePath), abandoned);
            }
        }

        /// <summary>Failures of the output directory that an operator can fix, as opposed to ones inherent in the message.</summary>
        private static bool IsRetryable(Exception ex) =>
            ex is UnauthorizedAccessException
            || (ex is IOException && !(ex is PathTooLongException) && !(ex is FileNotFoundException));

        private ChunkResult Finish(FileAssembly assembly, IReadOnlyList<MessagePosition> abandoned, string? warning)
        {
            long length = assembly.CheckCoverage();
            byte[] actual = assembly.Store.ComputeHash(length);
            if (!actual.AsSpan().SequenceEqual(assembly.Generation.FileHash))
            {
                var mismatch = new OpenMsiStreamException(ErrorIds.HashMismatch, ErrorKind.InvalidData,
                    $"'{assembly.RelativePath}' was rebuilt from all {assembly.Generation.TotalChunks} chunks but its SHA-512 does not match the producer's; it was not written.",
                    target: assembly.RelativePath);
                return FailAssembly(assembly, mismatch, abandoned);
            }
            ReceivedFile file = _target.Deliver(assembly, length, Hex.Lower(actual), _topic);
            Remove(assembly);
            ReceivedVersions? before = FindReceived(assembly.RelativePath);
            _finished.Remember(assembly.RelativePath, before?.With(assembly.Generation) ?? new ReceivedVersions(assembly.Generation, Array.Empty<byte[]>()));
            return ChunkResult.Completed(file, Concat(abandoned, assembly.Positions), warning);
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
            _inProgress.Remove(assembly.RelativePath);
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
            new OpenMsiStreamException(ErrorIds.InconsistentChunks, ErrorKind.InvalidData,
                $"Chunks of '{relativePath}' with the same file hash disagree about the number of chunks; the chunk was rejected.", target: relativePath);

        private static string StaleWarning(string relativePath, DataFileChunk chunk, FileGeneration kept) =>
            $"Skipped a chunk of an older version of '{relativePath}' ({chunk.TotalChunks} chunks, versus {kept.TotalChunks} in the version kept).";
    }
}
