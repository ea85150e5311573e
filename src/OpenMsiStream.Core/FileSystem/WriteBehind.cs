using System;
using System.IO;
using System.Runtime.InteropServices;

namespace OpenMsiStream.FileSystem
{
    /// <summary>
    /// Starts writing a range just written to disk now, without waiting (Linux: sync_file_range with
    /// SYNC_FILE_RANGE_WRITE). It guarantees nothing; the fsync that makes the file durable later
    /// then finds little left to write, instead of a second's worth of a large file (or a whole group of
    /// small files) at once, which stalled the receiver. Elsewhere it does nothing.
    /// </summary>
    internal static class WriteBehind
    {
        private const uint SyncFileRangeWrite = 2;
        private static bool _unavailable = !RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        public static void Start(FileStream stream, long offset, long count)
        {
            if (_unavailable || count <= 0)
            {
                return;
            }
            try
            {
                sync_file_range((int)stream.SafeFileHandle.DangerousGetHandle(), offset, count, SyncFileRangeWrite);
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException || ex is DllNotFoundException)
            {
                _unavailable = true;
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int sync_file_range(int fd, long offset, long nbytes, uint flags);
    }
}
