using System;
using System.Collections.Generic;
using System.IO;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Download
{
    /// <summary>Where rebuilt files go: an output directory (staging, then an atomic rename) or memory.</summary>
    internal abstract class ReassemblyTarget
    {
        public abstract IChunkStore CreateStore(string relativePath, DataFileChunk firstChunk);

        public abstract ReceivedFile Deliver(FileAssembly assembly, long length, string sha512, string topic);

        /// <summary>Files in progress left by an earlier run, to continue.</summary>
        public virtual IReadOnlyList<FileAssembly> Restore() => Array.Empty<FileAssembly>();

        /// <summary>Makes the chunks stored since the last call durable and records them.</summary>
        public virtual void Persist(IEnumerable<FileAssembly> assemblies)
        {
        }

        /// <summary>The version of a path received earlier (beyond what this run remembers), if kept.</summary>
        public virtual ReceivedVersions? FindReceived(string relativePath) => null;

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
                ReceivedVersions? received = _registry.FindReceived(staged.RelativePath);
                if (received != null && (received.Latest.SameHash(staged.Generation) || received.ReceivedEarlier(staged.Generation.FileHash)
                    || GenerationPolicy.Judge(received.Latest, staged.Generation) != GenerationVerdict.Newer))
                {
                    Discard(assembly); // another member of the group completed it meanwhile, or a newer version
                    continue;
                }
                assembly.Preload(staged.Chunks);
                restored.Add(assembly);
            }
            return restored;
        }

        public override void Persist(IEnumerable<FileAssembly> assemblies)
        {
            var batch = new List<StagedChunks>();
            foreach (FileAssembly assembly in assemblies)
            {
                IReadOnlyList<KeyValuePair<long, int>> chunks = assembly.TakeUnpersisted();
                if (chunks.Count == 0)
                {
                    continue;
                }
                var store = (DiskChunkStore)assembly.Store;
                store.FlushToDisk(); // on disk before the registry says so
                batch.Add(new StagedChunks(store.StagingName, Owner, assembly.RelativePath, assembly.Generation, chunks));
            }
            _registry.Stage(batch);
        }

        public override ReceivedVersions? FindReceived(string relativePath) => _registry.FindReceived(relativePath);

        public override bool KeepsIncompleteFiles => true;

        public override void Discard(FileAssembly assembly)
        {
            _registry.DropStaged(((DiskChunkStore)assembly.Store).StagingName);
            assembly.Store.Discard();
        }

        public override ReceivedFile Deliver(FileAssembly assembly, long length, string sha512, string topic)
        {
            string target = SafeRelativePath.Combine(_outputDirectory, assembly.RelativePath);
            CreateDirectoriesWithoutLinks(Path.GetDirectoryName(target)!, assembly.RelativePath);
            if (Directory.Exists(target))
            {
                throw Conflict(assembly.RelativePath, $"a directory named '{target}' is in the way");
            }
            var store = (DiskChunkStore)assembly.Store;
            store.MoveTo(target);
            var file = new ReceivedFile(assembly.RelativePath, target, null, length, assembly.Generation.TotalChunks, sha512, topic, PartitionOf(assembly), assembly.Mtime, assembly.KeyPrefix);
            _delivering?.Invoke(file);
            _registry.Received(assembly.RelativePath, assembly.Generation, length, store.StagingName);
            return file;
        }

        /// <summary>
        /// Releases this receiver's staging folder. Files in progress stay in it, recorded in the
        /// registry, and the next receiver of the same topic and group continues them.
        /// </summary>
        public void Cleanup()
        {
            _registry.Dispose();
            _stagingLock.Dispose();
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
        /// </summary>
        private void CreateDirectoriesWithoutLinks(string directory, string relativePath)
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
                    throw new OpenMsiStreamException(ErrorIds.UnsafePath, ErrorKind.InvalidData,
                        $"Refused to write '{relativePath}': '{current}' is a symbolic link or junction. Nothing was written.", target: relativePath);
                }
                Directory.CreateDirectory(current);
            }
        }

        private static OpenMsiStreamException Conflict(string relativePath, string reason) =>
            new OpenMsiStreamException(ErrorIds.OutputPathConflict, ErrorKind.WriteError,
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

        public override ReceivedFile Deliver(FileAssembly assembly, long length, string sha512, string topic) =>
            new ReceivedFile(assembly.RelativePath, null, ((MemoryChunkStore)assembly.Store).Content, length, assembly.Generation.TotalChunks, sha512, topic, PartitionOf(assembly), assembly.Mtime, assembly.KeyPrefix);
    }
}
