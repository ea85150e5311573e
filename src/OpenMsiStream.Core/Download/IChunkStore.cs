using System;

namespace OpenMsiStream.Download
{
    /// <summary>Where the chunks of one file in progress are kept until it is complete and verified.</summary>
    internal interface IChunkStore : IDisposable
    {
        /// <param name="completesFile">
        /// This chunk is the file's last missing one: its fsync comes next (with its group), so a disk store
        /// keeps the file open for it rather than closing it and opening it again.
        /// </param>
        void Write(long offset, ReadOnlyMemory<byte> data, bool completesFile);

        /// <summary>SHA-512 of the first <paramref name="length"/> bytes, read back only where needed.</summary>
        byte[] ComputeHash(long length);

        /// <summary>Bytes written earlier (to check one chunk after the file hash failed).</summary>
        byte[] Read(long offset, int length);

        /// <summary>Removes whatever the store holds (an abandoned or failed file).</summary>
        void Discard();

        /// <summary>Drops the hash computed as chunks were written, so <see cref="ComputeHash"/> reads everything back.</summary>
        void ResetRunningHash();
    }
}
