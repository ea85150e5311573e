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
        private static readonly TimeSpan StaleStagingAge = TimeSpan.FromDays(1);
        private readonly string _outputDirectory;
        private readonly string _stagingDirectory;

        public DirectoryTarget(string outputDirectory)
        {
            _outputDirectory = Path.GetFullPath(outputDirectory);
            string stateDirectory = Path.Combine(_outputDirectory, SafeRelativePath.StateDirectoryName);
            StagingRoot = Path.Combine(stateDirectory, "staging");
            QuarantineDirectory = Path.Combine(stateDirectory, "quarantine");
            RemoveStaleStaging();
            // One staging folder per receiver, so receivers sharing an output directory never collide.
            _stagingDirectory = Path.Combine(StagingRoot, DateTime.UtcNow.ToString("yyyyMMddHHmmss") + "-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_stagingDirectory);
        }

        public string StagingRoot { get; }

        public string QuarantineDirectory { get; }

        public override IChunkStore CreateStore(string relativePath, DataFileChunk firstChunk) =>
            new DiskChunkStore(Path.Combine(_stagingDirectory, Guid.NewGuid().ToString("N") + ".part"));

        public override ReceivedFile Deliver(FileAssembly assembly, long length, string sha512, string topic)
        {
            string target = SafeRelativePath.Combine(_outputDirectory, assembly.RelativePath);
            CreateDirectoriesWithoutLinks(Path.GetDirectoryName(target)!, assembly.RelativePath);
            ((DiskChunkStore)assembly.Store).MoveTo(target);
            return new ReceivedFile(assembly.RelativePath, target, null, length, assembly.Generation.TotalChunks, sha512, topic, PartitionOf(assembly), assembly.Mtime);
        }

        /// <summary>Removes this receiver's staging folder (files in progress are read again next time).</summary>
        public void Cleanup()
        {
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
                if (Directory.Exists(current) && (File.GetAttributes(current) & FileAttributes.ReparsePoint) != 0)
                {
                    throw new OpenMsiStreamException(ErrorIds.UnsafePath, ErrorKind.InvalidData,
                        $"Refused to write '{relativePath}': '{current}' is a symbolic link or junction. Nothing was written.", target: relativePath);
                }
                Directory.CreateDirectory(current);
            }
        }

        private void RemoveStaleStaging()
        {
            if (!Directory.Exists(StagingRoot))
            {
                return;
            }
            foreach (string folder in Directory.GetDirectories(StagingRoot))
            {
                try
                {
                    if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(folder) > StaleStagingAge)
                    {
                        Directory.Delete(folder, recursive: true);
                    }
                }
                catch (IOException)
                {
                }
            }
        }
    }

    internal sealed class MemoryTarget : ReassemblyTarget
    {
        private readonly long _maxBytes;

        public MemoryTarget(long maxBytes) => _maxBytes = maxBytes;

        public override IChunkStore CreateStore(string relativePath, DataFileChunk firstChunk)
        {
            // Fail on the first chunk when the chunk count already shows the file is too big.
            bool isLast = firstChunk.ChunkIndex == firstChunk.TotalChunks;
            long atLeast = isLast ? firstChunk.Offset + firstChunk.Data.Length : (long)(firstChunk.TotalChunks - 1) * firstChunk.Data.Length;
            if (atLeast > _maxBytes)
            {
                throw MemoryChunkStore.TooLarge(relativePath, _maxBytes);
            }
            return new MemoryChunkStore(_maxBytes, relativePath);
        }

        public override ReceivedFile Deliver(FileAssembly assembly, long length, string sha512, string topic) =>
            new ReceivedFile(assembly.RelativePath, null, ((MemoryChunkStore)assembly.Store).Content, length, assembly.Generation.TotalChunks, sha512, topic, PartitionOf(assembly), assembly.Mtime);
    }
}
