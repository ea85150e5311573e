using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OpenMsiStream.Soak.Writing
{
    /// <summary>
    /// Content prepared so that writing it takes ONE write system call lasting milliseconds instead of
    /// microseconds: the bytes come from a memory-mapped file whose pages were dropped from the page
    /// cache, so the kernel copies them in page by page, each read from disk first (as when a program
    /// writes from a buffer that was paged out). The kernel sets the mtime once, when the write starts;
    /// a reader meanwhile sees old and new bytes with size and mtime unchanged around its read. Prepared
    /// ahead, so that the write can start the moment it is wanted. Linux only.
    /// </summary>
    internal sealed unsafe class ColdSourceWrite : IDisposable
    {
        private const int PosixFadviseDontNeed = 4;
        private const int MadviseRandom = 1;
        private readonly MemoryMappedFile? _mapped;
        private readonly MemoryMappedViewAccessor? _view;
        private readonly byte* _start;

        /// <summary>Stages <paramref name="content"/> in <paramref name="source"/>, a scratch file outside the watched directory.</summary>
        public ColdSourceWrite(byte[] content, string source)
        {
            Content = content;
            Sha512 = Writing.Content.Sha512(content);
            using (SafeFileHandle staged = File.OpenHandle(source, FileMode.Create, FileAccess.ReadWrite))
            {
                RandomAccess.Write(staged, content, 0);
                RandomAccess.FlushToDisk(staged);
                // Only clean pages can be dropped: hence the flush first.
                _ = posix_fadvise((int)staged.DangerousGetHandle(), 0, 0, PosixFadviseDontNeed);
            }
            if (content.Length == 0)
            {
                return;
            }
            _mapped = MemoryMappedFile.CreateFromFile(source, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _view = _mapped.CreateViewAccessor(0, content.Length, MemoryMappedFileAccess.Read);
            byte* start = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            _start = start;
            // No read-ahead: every page faults in on its own while the write copies it.
            _ = madvise((IntPtr)start, (nuint)(_view.PointerOffset + content.Length), MadviseRandom);
        }

        public byte[] Content { get; }

        public string Sha512 { get; }

        /// <summary>Writes the content at offset 0 of <paramref name="target"/> in one system call.</summary>
        public void WriteTo(string target)
        {
            using SafeFileHandle handle = File.OpenHandle(target, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            if (_view != null)
            {
                RandomAccess.Write(handle, new ReadOnlySpan<byte>(_start + _view.PointerOffset, Content.Length), 0);
            }
        }

        public void Dispose()
        {
            if (_view != null)
            {
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
                _view.Dispose();
            }
            _mapped?.Dispose();
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int posix_fadvise(int fd, long offset, long length, int advice);

        [DllImport("libc", SetLastError = true)]
        private static extern int madvise(IntPtr address, nuint length, int advice);
    }
}
