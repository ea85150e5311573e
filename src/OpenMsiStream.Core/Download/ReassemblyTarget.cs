using System;
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

        protected static int PartitionOf(FileAssembly assembly) => assembly.Positions.Count > 0 ? assembly.Positions[0].Partition : -1;
    }

    internal sealed class DirectoryTarget : ReassemblyTarget
    {
        private const string LockFileName = ".lock";
        private readonly TimeSpan _minimumStagingAge;
        private readonly string _outputDirectory;
        private readonly string _stagingDirectory;
        private readonly FileStream _stagingLock;

        /// <param name="outputDirectory">Where files are rebuilt.</param>
        /// <param name="minimumStagingAge">Staging folders younger than this are never cleaned up (default one minute).</param>
        public DirectoryTarget(string outputDirectory, TimeSpan? minimumStagingAge = null)
        {
            _minimumStagingAge = minimumStagingAge ?? TimeSpan.FromMinutes(1);
            _outputDirectory = Path.GetFullPath(outputDirectory);
            string stateDirectory = Path.Combine(_outputDirectory, SafeRelativePath.StateDirectoryName);
            StagingRoot = Path.Combine(stateDirectory, "staging");
            QuarantineDirectory = Path.Combine(stateDirectory, "quarantine");
            RemoveAbandonedStaging();
            // One staging folder per receiver, locked while the receiver lives, so receivers sharing an
            // output directory never collide and never clean up each other's files in progress.
            _stagingDirectory = Path.Combine(StagingRoot, DateTime.UtcNow.ToString("yyyyMMddHHmmss") + "-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_stagingDirectory);
            _stagingLock = new FileStream(Path.Combine(_stagingDirectory, LockFileName), FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        }

        public string StagingRoot { get; }

        public string QuarantineDirectory { get; }

        public override IChunkStore CreateStore(string relativePath, DataFileChunk firstChunk) =>
            new DiskChunkStore(Path.Combine(_stagingDirectory, Guid.NewGuid().ToString("N") + ".part"));

        public override ReceivedFile Deliver(FileAssembly assembly, long length, string sha512, string topic)
        {
            string target = SafeRelativePath.Combine(_outputDirectory, assembly.RelativePath);
            CreateDirectoriesWithoutLinks(Path.GetDirectoryName(target)!, assembly.RelativePath);
            if (Directory.Exists(target))
            {
                throw Conflict(assembly.RelativePath, $"a directory named '{target}' is in the way");
            }
            ((DiskChunkStore)assembly.Store).MoveTo(target);
            return new ReceivedFile(assembly.RelativePath, target, null, length, assembly.Generation.TotalChunks, sha512, topic, PartitionOf(assembly), assembly.Mtime);
        }

        /// <summary>Removes this receiver's staging folder (files in progress are read again next time).</summary>
        public void Cleanup()
        {
            _stagingLock.Dispose();
            try
            {
                Directory.Delete(_stagingDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
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
        /// Deletes staging folders of receivers that ended without cleaning up (killed, power loss):
        /// folders whose lock nobody holds. A folder younger than the minimum age is left alone, in case
        /// its receiver has created it but not yet locked it.
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
                    if (DateTime.UtcNow - Directory.GetCreationTimeUtc(folder) < _minimumStagingAge)
                    {
                        continue;
                    }
                    using (new FileStream(Path.Combine(folder, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
                    {
                    }
                    Directory.Delete(folder, recursive: true);
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
            new ReceivedFile(assembly.RelativePath, null, ((MemoryChunkStore)assembly.Store).Content, length, assembly.Generation.TotalChunks, sha512, topic, PartitionOf(assembly), assembly.Mtime);
    }
}
