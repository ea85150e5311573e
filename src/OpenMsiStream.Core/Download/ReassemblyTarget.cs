using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.FileSystem;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Download
{
    /// <summary>Where rebuilt files go: an output directory (staging, then an atomic rename) or memory.</summary>
    internal abstract class ReassemblyTarget
    {
        public abstract IChunkStore CreateStore(string relativePath, DataFileChunk firstChunk);

        /// <summary>
        /// Makes verified files durable and puts them in place, all of them together (see
        /// <see cref="GroupCommit"/>), setting the outcome of each: <see cref="CompletedFile.Delivered"/>, or
        /// <see cref="CompletedFile.Failure"/> (with <see cref="CompletedFile.Unrecorded"/> when the file is in
        /// place but its record failed).
        /// </summary>
        public abstract void Deliver(IReadOnlyList<CompletedFile> files, string topic);

        /// <summary>Files in progress left by an earlier run, to continue.</summary>
        public virtual IReadOnlyList<FileAssembly> Restore() => Array.Empty<FileAssembly>();

        /// <summary>Makes the chunks stored since the last call durable and records them.</summary>
        public virtual void Persist(IEnumerable<FileAssembly> assemblies)
        {
        }

        /// <summary>Records a file put in place earlier whose record failed (<see cref="CompletedFile.Unrecorded"/>).</summary>
        public virtual void Record(string relativePath, FileGeneration generation, long length, string stagingName)
        {
        }

        /// <summary>The version of a path received earlier (beyond what this run remembers), if kept.</summary>
        public virtual FileGeneration? FindReceived(string relativePath) => null;

        /// <summary>Whether a file whose producer went away is kept to be completed later (disk), or dropped (memory).</summary>
        public virtual bool KeepsIncompleteFiles => false;

        /// <summary>Throws away a file in progress (abandoned, failed or given up).</summary>
        public virtual void Discard(FileAssembly assembly) => assembly.Store.Discard();

        protected static int PartitionOf(FileAssembly assembly) => assembly.Positions.Count > 0 ? assembly.Positions[0].Partition : -1;
    }

    internal sealed class DirectoryTarget : ReassemblyTarget
    {
        private const string LockFileName = ".lock";

        /// <summary>Files in progress of a topic and group nobody resumes are removed after this long.</summary>
        private static readonly TimeSpan StagedFileRetention = TimeSpan.FromDays(30);
        private readonly TimeSpan _minimumStagingAge;
        private readonly string _outputDirectory;
        private readonly string _stagingDirectory;
        private readonly FileStream _stagingLock;
        private readonly DownloadRegistry _registry;
        private readonly IReadOnlyList<StagedFile> _adopted;
        private readonly Action<ReceivedFile>? _delivering;

        /// <param name="outputDirectory">Where files are rebuilt.</param>
        /// <param name="topic">The topic, for the registry of received files.</param>
        /// <param name="groupId">The consumer group, for the registry of files in progress.</param>
        /// <param name="minimumStagingAge">A staging folder without a lock file is left alone this long (default ten seconds), in case its receiver is just creating it.</param>
        /// <param name="delivering">Called with each file once it is in place and before the registry records it as received (see <see cref="ReceiveOptions.Delivering"/>).</param>
        public DirectoryTarget(string outputDirectory, string topic = "", string groupId = "", TimeSpan? minimumStagingAge = null, Action<ReceivedFile>? delivering = null)
        {
            _delivering = delivering;
            _minimumStagingAge = minimumStagingAge ?? TimeSpan.FromSeconds(10);
            _outputDirectory = Path.GetFullPath(outputDirectory);
            string stateDirectory = Path.Combine(_outputDirectory, SafeRelativePath.StateDirectoryName);
            StagingRoot = Path.Combine(stateDirectory, "staging");
            QuarantineDirectory = Path.Combine(stateDirectory, "quarantine");
            // One staging folder per receiver, locked while the receiver lives, so receivers sharing an
            // output directory never collide and never clean up each other's files in progress.
            Owner = DateTime.UtcNow.ToString("yyyyMMddHHmmss") + "-" + Guid.NewGuid().ToString("N");
            _stagingDirectory = Path.Combine(StagingRoot, Owner);
            State.StateFolder.Create(_outputDirectory, "the output directory", ErrorIds.OutputWriteFailed);
            State.StateFolder.Create(_stagingDirectory, "its staging folder for files in progress", ErrorIds.OutputWriteFailed, (_outputDirectory, "the output directory"));
            _stagingLock = new FileStream(Path.Combine(_stagingDirectory, LockFileName), FileMode.Create, FileAccess.ReadWrite, FileShare.None);
            _registry = DownloadRegistry.Open(stateDirectory, topic, groupId);
            _adopted = _registry.Adopt(IsGone, Owner, TakeOver);
            foreach (string stale in _registry.PurgeStale(StagedFileRetention, IsGone))
            {
                TryDelete(Path.Combine(StagingRoot, stale.Replace('/', Path.DirectorySeparatorChar)));
            }
            RemoveAbandonedStaging();
        }

        /// <summary>This receiver's name for its staging folder and its registry entries.</summary>
        public string Owner { get; }

        public string StagingRoot { get; }

        public string QuarantineDirectory { get; }

        public override IChunkStore CreateStore(string relativePath, DataFileChunk firstChunk)
        {
            string name = Guid.NewGuid().ToString("N") + ".part";
            return new DiskChunkStore(Path.Combine(_stagingDirectory, name), Owner + "/" + name);
        }

        public override IReadOnlyList<FileAssembly> Restore()
        {
            var restored = new List<FileAssembly>();
            foreach (StagedFile staged in _adopted)
            {
                string path = Path.Combine(StagingRoot, staged.StagingFile.Replace('/', Path.DirectorySeparatorChar));
                var assembly = new FileAssembly(staged.RelativePath, staged.Generation, new DiskChunkStore(path, staged.StagingFile), restored: true);
                FileGeneration? received = _registry.FindReceived(staged.RelativePath);
                if (received != null && GenerationPolicy.JudgeAgainstReceived(received, staged.Generation).Verdict != GenerationVerdict.Newer)
                {
                    Discard(assembly); // another member of the group completed it meanwhile, or a newer version
                    continue;
                }
                assembly.Preload(staged.Chunks);
                restored.Add(assembly);
            }
            return restored;
        }

        /// <summary>
        /// Flushes the chunks written since their last record and records them, in one transaction for
        /// all files. A file whose flush fails forgets those chunks (they are read again); the failure
        /// is thrown once the others are recorded, and a failed record leaves all of them to the next call.
        /// </summary>
        public override void Persist(IEnumerable<FileAssembly> assemblies)
        {
            var batch = new List<(FileAssembly Assembly, StagedChunks Staged)>();
            Exception? flushFailure = null;
            foreach (FileAssembly assembly in assemblies)
            {
                IReadOnlyList<KeyValuePair<long, int>> chunks = assembly.Unpersisted();
                if (chunks.Count == 0)
                {
                    continue;
                }
                var store = (DiskChunkStore)assembly.Store;
                try
                {
                    store.FlushToDisk(); // on disk before the registry says so
                }
                catch (Exception ex) when (RetryableOutputFailure.Is(ex))
                {
                    assembly.ForgetUnpersisted();
                    flushFailure ??= ex;
                    continue;
                }
                batch.Add((assembly, new StagedChunks(store.StagingName, Owner, assembly.RelativePath, assembly.Generation, chunks)));
            }
            _registry.Stage(batch.Select(b => b.Staged).ToList());
            foreach ((FileAssembly assembly, StagedChunks staged) in batch)
            {
                assembly.MarkPersisted(staged.Chunks.Count);
            }
            if (flushFailure != null)
            {
                throw flushFailure;
            }
        }

        public override FileGeneration? FindReceived(string relativePath) => _registry.FindReceived(relativePath);

        public override bool KeepsIncompleteFiles => true;

        public override void Discard(FileAssembly assembly)
        {
            try
            {
                _registry.DropStaged(((DiskChunkStore)assembly.Store).StagingName);
            }
            catch (Exception ex) when (RetryableOutputFailure.Is(ex))
            {
                // A full disk: the record stays until the next run finds its staging file gone and drops it.
            }
            assembly.Store.Discard();
        }

        /// <summary>
        /// Per group: every staging file fsynced (the calls issued together, so the file system shares its
        /// journal commits between them), each renamed into place, each directory that got a new entry
        /// fsynced once, the delivering hook, then one registry transaction recording them all. A file
        /// reported received therefore survives a power cut, as before; only the cost is shared.
        /// </summary>
        /// <remarks>
        /// A full disk (or another failure that waiting fixes, <see cref="RetryableOutputFailure"/>) stops
        /// the group where it happens: when an fsync fails, nothing of the group is put in place; when a
        /// rename fails, the files after it are not. Those files are <see cref="CompletedFile.Deferred"/>
        /// (nothing recorded, nothing reported, their messages held back) and go into place after the
        /// pause. Files renamed before the failure are visible, so they are recorded and reported: their
        /// own guarantee holds, and a file in place and recorded but never reported would be a file the
        /// user never hears of.
        /// </remarks>
        public override void Deliver(IReadOnlyList<CompletedFile> files, string topic)
        {
            System.Threading.Tasks.Parallel.For(0, files.Count, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = GroupCommit.ParallelFsyncs }, i =>
            {
                try
                {
                    ((DiskChunkStore)files[i].Assembly.Store).FlushToDisk(); // the content, durable before it is visible
                }
                catch (Exception ex)
                {
                    files[i].Failure = ex;
                }
            });
            if (files.Any(f => f.Failure != null && RetryableOutputFailure.Is(f.Failure)))
            {
                DeferFrom(files, 0);
                return;
            }
            var directories = new HashSet<string>(StringComparer.Ordinal);
            var placed = new List<CompletedFile>(files.Count);
            for (int i = 0; i < files.Count; i++)
            {
                CompletedFile completed = files[i];
                if (completed.Failure == null && PutInPlace(completed, topic, directories))
                {
                    placed.Add(completed);
                }
                else if (completed.Failure != null && RetryableOutputFailure.Is(completed.Failure))
                {
                    DeferFrom(files, i + 1);
                    break;
                }
            }
            foreach (string directory in directories)
            {
                FileSystem.DirectorySync.Sync(directory); // best effort: a file system that cannot sync a directory (some network shares) still has the files
            }
            var recorded = new List<CompletedFile>(placed.Count);
            foreach (CompletedFile completed in placed)
            {
                try
                {
                    _delivering?.Invoke(completed.Delivered!);
                    recorded.Add(completed);
                }
                catch (Exception ex)
                {
                    completed.Failure = ex;
                }
            }
            try
            {
                _registry.Received(recorded.Select(c => new ReceivedRecord(c.Assembly.RelativePath, c.Assembly.Generation, c.Length, ((DiskChunkStore)c.Assembly.Store).StagingName)).ToList());
            }
            catch (Exception ex) when (RetryableOutputFailure.Is(ex))
            {
                foreach (CompletedFile completed in recorded)
                {
                    completed.Failure = ex;
                    completed.Unrecorded = true;
                }
            }
        }

        /// <summary>The files of a group from <paramref name="first"/> on that have not failed wait for the end of the pause.</summary>
        private static void DeferFrom(IReadOnlyList<CompletedFile> files, int first)
        {
            for (int i = first; i < files.Count; i++)
            {
                if (files[i].Failure == null)
                {
                    files[i].Deferred = true;
                }
            }
        }

        /// <summary>
        /// Renames one verified, fsynced staging file into place (without its directory's fsync, which
        /// <see cref="Deliver"/> does once per directory); false, with the failure set, when it cannot be.
        /// </summary>
        private bool PutInPlace(CompletedFile completed, string topic, HashSet<string> directories)
        {
            FileAssembly assembly = completed.Assembly;
            string target = SafeRelativePath.Combine(_outputDirectory, assembly.RelativePath);
            var store = (DiskChunkStore)assembly.Store;
            // Everything that can fail on the message's contents is done before the rename: once the
            // file is visible it must be recorded as received.
            var file = new ReceivedFile(assembly.RelativePath, target, null, completed.Length, assembly.Generation.TotalChunks, completed.Sha512, topic, PartitionOf(assembly), assembly.Mtime, assembly.KeyPrefix, assembly.Generation.Metadata.Values);
            var created = new List<string>();
            try
            {
                CreateDirectoriesWithoutLinks(Path.GetDirectoryName(target)!, assembly.RelativePath, created);
                string? sameButForCase = ExistingNameDifferingInCase(target);
                if (sameButForCase != null)
                {
                    // Windows and macOS would replace the other file, and one of the two would be lost unseen.
                    throw Conflict(assembly.RelativePath, $"'{sameButForCase}' is already there and its name differs only in case, which this file system cannot keep apart");
                }
                try
                {
                    store.MoveToUnsynced(target);
                }
                catch (IOException) when (Directory.Exists(target))
                {
                    // Looked for only when the rename failed: a lookup per file before it cost more than the rename.
                    throw Conflict(assembly.RelativePath, $"a directory named '{target}' is in the way");
                }
            }
            catch (Exception ex)
            {
                RemoveEmpty(created); // a refused file leaves nothing behind, not even the directories made for it
                completed.Failure = ex;
                return false;
            }
            directories.Add(Path.GetDirectoryName(target)!);
            foreach (string directory in created)
            {
                directories.Add(Path.GetDirectoryName(directory)!); // a new directory's own entry, too
            }
            completed.Delivered = file;
            return true;
        }

        public override void Record(string relativePath, FileGeneration generation, long length, string stagingName) =>
            _registry.Received(new[] { new ReceivedRecord(relativePath, generation, length, stagingName) });

        /// <summary>
        /// On a case-insensitive file system (Windows, macOS): the name of a file in the target's
        /// directory that is the target's name in other letter case, or null.
        /// </summary>
        private static string? ExistingNameDifferingInCase(string target)
        {
            if (PathRules.Comparison != StringComparison.OrdinalIgnoreCase || !File.Exists(target))
            {
                return null; // the usual case costs one stat; the directory is listed only when a file is replaced
            }
            string name = Path.GetFileName(target);
            return Directory.EnumerateFiles(Path.GetDirectoryName(target)!)
                .Select(Path.GetFileName)
                .FirstOrDefault(existing => string.Equals(existing, name, StringComparison.OrdinalIgnoreCase) && !string.Equals(existing, name, StringComparison.Ordinal));
        }

        /// <summary>
        /// Releases this receiver's staging folder. Files in progress stay in it, recorded in the
        /// registry, and the next receiver of the same topic and group continues them; without any, the
        /// folder goes (and the staging root with it when no other receiver has one), so nothing that is
        /// not needed stays beside the user's files.
        /// </summary>
        public void Cleanup()
        {
            _registry.Dispose();
            _stagingLock.Dispose();
            try
            {
                if (Directory.Exists(_stagingDirectory) && Directory.GetFiles(_stagingDirectory, "*.part").Length == 0)
                {
                    Directory.Delete(_stagingDirectory, recursive: true);
                }
                if (Directory.Exists(StagingRoot) && Directory.GetFileSystemEntries(StagingRoot).Length == 0)
                {
                    Directory.Delete(StagingRoot);
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Another receiver is creating its folder there, or the folder is in use: the next run tidies up.
            }
        }

        private bool IsGone(string owner)
        {
            string folder = Path.Combine(StagingRoot, owner);
            if (!Directory.Exists(folder))
            {
                return true;
            }
            string lockFile = Path.Combine(folder, LockFileName);
            if (!File.Exists(lockFile))
            {
                // Its receiver may be between creating the folder and locking it.
                return DateTime.UtcNow - Directory.GetCreationTimeUtc(folder) >= _minimumStagingAge;
            }
            try
            {
                using (new FileStream(lockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                    return true; // nobody holds the lock: its receiver ended or was killed
                }
            }
            catch (IOException)
            {
                return false; // locked: its receiver is alive
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        /// <summary>Moves an adopted staging file into this receiver's folder; null if it is missing.</summary>
        private string? TakeOver(string stagingFile)
        {
            string from = Path.Combine(StagingRoot, stagingFile.Replace('/', Path.DirectorySeparatorChar));
            if (!File.Exists(from))
            {
                return null;
            }
            string name = Path.GetFileName(from);
            File.Move(from, Path.Combine(_stagingDirectory, name));
            return Owner + "/" + name;
        }

        /// <summary>
        /// Creates the directories below the output directory one by one and refuses to go through a
        /// symbolic link, so a link placed in the output directory cannot redirect a write elsewhere.
        /// Adds the directories it created to <paramref name="created"/>, so a failure can remove them.
        /// </summary>
        private void CreateDirectoriesWithoutLinks(string directory, string relativePath, List<string> created)
        {
            string relative = directory.Length > _outputDirectory.Length ? directory.Substring(_outputDirectory.Length + 1) : string.Empty;
            string current = _outputDirectory;
            foreach (string part in relative.Split(new[] { Path.DirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries))
            {
                current = Path.Combine(current, part);
                if (File.Exists(current))
                {
                    throw Conflict(relativePath, $"'{current}' is a file, so nothing can be written below it");
                }
                if (Directory.Exists(current) && (File.GetAttributes(current) & FileAttributes.ReparsePoint) != 0)
                {
                    throw new OpenMsiStreamException(ErrorIds.UnsafePath,
                        $"Refused to write '{relativePath}': '{current}' is a symbolic link or junction. Nothing was written.", target: relativePath);
                }
                if (!Directory.Exists(current))
                {
                    Directory.CreateDirectory(current);
                    created.Add(current);
                }
            }
        }

        /// <summary>Removes directories this receiver created, deepest first, as long as they are empty.</summary>
        private static void RemoveEmpty(List<string> created)
        {
            for (int i = created.Count - 1; i >= 0; i--)
            {
                try
                {
                    Directory.Delete(created[i], recursive: false);
                }
                catch (IOException)
                {
                    return; // not empty: something else was put there meanwhile
                }
                catch (UnauthorizedAccessException)
                {
                    return;
                }
            }
        }

        private static OpenMsiStreamException Conflict(string relativePath, string reason) =>
            new OpenMsiStreamException(ErrorIds.OutputPathConflict,
                $"Could not write '{relativePath}': {reason}. Move it aside; the file was not written.", target: relativePath);

        /// <summary>
        /// Deletes staging folders of receivers that are gone (their lock is free), once their files in
        /// progress were taken over. Staging files of another topic or group stay.
        /// </summary>
        private void RemoveAbandonedStaging()
        {
            if (!Directory.Exists(StagingRoot))
            {
                return;
            }
            foreach (string folder in Directory.GetDirectories(StagingRoot))
            {
                try
                {
                    string owner = Path.GetFileName(folder);
                    if (folder == _stagingDirectory || !IsGone(owner))
                    {
                        continue;
                    }
                    // Staging files the registry does not know were written after its last record
                    // (the receiver died in between): their chunks are read again anyway.
                    bool keep = false;
                    foreach (string part in Directory.GetFiles(folder, "*.part"))
                    {
                        if (_registry.IsStaged(owner + "/" + Path.GetFileName(part)))
                        {
                            keep = true; // in progress for another topic or group
                        }
                        else
                        {
                            TryDelete(part);
                        }
                    }
                    if (!keep)
                    {
                        Directory.Delete(folder, recursive: true);
                    }
                }
                catch (IOException)
                {
                    // Locked: a live receiver owns it.
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }

    internal sealed class MemoryTarget : ReassemblyTarget
    {
        private readonly long _maxBytes;
        private readonly MemoryBudget _budget;

        /// <param name="maxBytes">Largest single file.</param>
        /// <param name="maxBytesInProgress">Largest total held by all files in progress (default four files' worth).</param>
        public MemoryTarget(long maxBytes, long? maxBytesInProgress = null)
        {
            _maxBytes = maxBytes;
            _budget = new MemoryBudget(maxBytesInProgress ?? (maxBytes > long.MaxValue / 4 ? long.MaxValue : maxBytes * 4));
        }

        public override IChunkStore CreateStore(string relativePath, DataFileChunk firstChunk)
        {
            // Fail on the first chunk when the chunk count already shows the file is too big.
            bool isLast = firstChunk.ChunkIndex == firstChunk.TotalChunks;
            long atLeast = isLast ? firstChunk.Offset + firstChunk.Data.Length : (long)(firstChunk.TotalChunks - 1) * firstChunk.Data.Length;
            if (atLeast > _maxBytes)
            {
                throw MemoryChunkStore.TooLarge(relativePath, _maxBytes);
            }
            return new MemoryChunkStore(_maxBytes, relativePath, _budget);
        }

        public override void Deliver(IReadOnlyList<CompletedFile> files, string topic)
        {
            foreach (CompletedFile completed in files)
            {
                FileAssembly assembly = completed.Assembly;
                completed.Delivered = new ReceivedFile(assembly.RelativePath, null, ((MemoryChunkStore)assembly.Store).Content, completed.Length, assembly.Generation.TotalChunks, completed.Sha512, topic, PartitionOf(assembly), assembly.Mtime, assembly.KeyPrefix, assembly.Generation.Metadata.Values);
            }
        }
    }

    /// <summary>A verified file on its way into place, with what became of it (<see cref="ReassemblyTarget.Deliver"/>).</summary>
    internal sealed class CompletedFile
    {
        public CompletedFile(FileAssembly assembly, long length, string sha512, IReadOnlyList<MessagePosition> abandoned, string? warning)
        {
            Assembly = assembly;
            Length = length;
            Sha512 = sha512;
            Abandoned = abandoned;
            Warning = warning;
        }

        public FileAssembly Assembly { get; }

        public long Length { get; }

        public string Sha512 { get; }

        /// <summary>Messages of an older version it replaced, resolved with it.</summary>
        public IReadOnlyList<MessagePosition> Abandoned { get; }

        public string? Warning { get; }

        /// <summary>The file as received, once it is in place.</summary>
        public ReceivedFile? Delivered { get; set; }

        public Exception? Failure { get; set; }

        /// <summary>In place, but its record as received failed: it is recorded later.</summary>
        public bool Unrecorded { get; set; }

        /// <summary>
        /// Not put in place because another file of its group could not be written (a full disk): nothing
        /// of it is recorded or reported, and it goes into place once writing works again.
        /// </summary>
        public bool Deferred { get; set; }
    }
}
