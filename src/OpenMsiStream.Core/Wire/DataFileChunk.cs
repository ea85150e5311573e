using System;

namespace OpenMsiStream.Wire
{
    /// <summary>
    /// One chunk of one file, as OpenMSIStream's chunk message carries it (see docs/wire-format in
    /// ../shared/design). Offsets are bytes in the rebuilt file; <see cref="ChunkIndex"/> is 1-based.
    /// </summary>
    public sealed class DataFileChunk
    {
        public DataFileChunk(
            string filename,
            byte[] fileHash,
            byte[] chunkHash,
            long offset,
            int chunkIndex,
            int totalChunks,
            string subdirectory,
            string filenameAppend,
            ReadOnlyMemory<byte> data,
            double? fileMtime)
        {
            Filename = filename ?? throw new ArgumentNullException(nameof(filename));
            FileHash = fileHash ?? throw new ArgumentNullException(nameof(fileHash));
            ChunkHash = chunkHash ?? throw new ArgumentNullException(nameof(chunkHash));
            Offset = offset;
            ChunkIndex = chunkIndex;
            TotalChunks = totalChunks;
            Subdirectory = subdirectory ?? string.Empty;
            FilenameAppend = filenameAppend ?? string.Empty;
            Data = data;
            FileMtime = fileMtime;
        }

        /// <summary>Base name of the file (field 0).</summary>
        public string Filename { get; }

        /// <summary>SHA-512 of the whole file, raw 64 bytes (field 1).</summary>
        public byte[] FileHash { get; }

        /// <summary>SHA-512 of <see cref="Data"/>, raw 64 bytes (field 2).</summary>
        public byte[] ChunkHash { get; }

        /// <summary>Where <see cref="Data"/> goes in the rebuilt file (field 3).</summary>
        public long Offset { get; }

        /// <summary>1-based chunk number (field 4).</summary>
        public int ChunkIndex { get; }

        /// <summary>Number of chunks in the file (field 5).</summary>
        public int TotalChunks { get; }

        /// <summary>POSIX directory relative to the uploaded root, empty at the top level (field 6).</summary>
        public string Subdirectory { get; }

        /// <summary>Text a consumer appends to the file name's stem (field 7), usually empty.</summary>
        public string FilenameAppend { get; }

        /// <summary>The chunk's bytes (field 8).</summary>
        public ReadOnlyMemory<byte> Data { get; }

        /// <summary>Producer's mtime in epoch seconds (field 9); null when unknown or a 9-field message.</summary>
        public double? FileMtime { get; }

        /// <summary><c>subdir/filename</c>, POSIX separators, as the producer named the file.</summary>
        public string RelativePath => Subdirectory.Length == 0 ? Filename : Subdirectory + "/" + Filename;
    }
}
