using System;
using System.IO;

namespace OpenMsiStream.Chunks
{
    /// <summary>Size and modification time of a file at one moment, to notice that it changed.</summary>
    public readonly struct FileState : IEquatable<FileState>
    {

        public FileState(long length, DateTime lastWriteTimeUtc)
        {
            Length = length;
            LastWriteTimeUtc = lastWriteTimeUtc;
        }

        public long Length { get; }

        public DateTime LastWriteTimeUtc { get; }

        /// <summary>The mtime as epoch seconds, the form the wire format carries.</summary>
        public double EpochSeconds => Wire.UnixTime.ToSeconds(LastWriteTimeUtc);

        public static FileState Of(string path)
        {
            var info = new FileInfo(path);
            info.Refresh();
            if (!info.Exists)
            {
                throw new FileNotFoundException($"File '{path}' does not exist.", path);
            }
            return new FileState(info.Length, info.LastWriteTimeUtc);
        }

        public bool Equals(FileState other) => Length == other.Length && LastWriteTimeUtc == other.LastWriteTimeUtc;

        public override bool Equals(object? obj) => obj is FileState other && Equals(other);

        public override int GetHashCode() => Length.GetHashCode() ^ LastWriteTimeUtc.GetHashCode();
    }
}
