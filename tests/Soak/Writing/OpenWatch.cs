using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;

namespace OpenMsiStream.Soak.Writing
{
    /// <summary>
    /// Tells when some process opens one of a few files (inotify IN_OPEN; .NET's FileSystemWatcher does
    /// not report opens). The writer uses it to start a rewrite just as the uploader opens a file it
    /// found settled, which is when a real writer's rewrite would, by bad luck, overlap its read. Linux only.
    /// </summary>
    internal sealed class OpenWatch : IDisposable
    {
        private const int InNonBlock = 0x800;
        private const int InCloseOnExec = 0x80000;
        private const uint InOpen = 0x20;
        private const short PollIn = 1;
        private readonly int _fd;
        private readonly Dictionary<int, int> _indexByWatch = new Dictionary<int, int>();
        private readonly BlockingCollection<int> _opened = new BlockingCollection<int>();
        private readonly Thread _reader;
        private volatile bool _stopped;

        public OpenWatch(IReadOnlyList<string> paths)
        {
            _fd = inotify_init1(InNonBlock | InCloseOnExec);
            if (_fd < 0)
            {
                throw new InvalidOperationException($"inotify_init1 failed (errno {Marshal.GetLastPInvokeError()}).");
            }
            for (int i = 0; i < paths.Count; i++)
            {
                int watch = inotify_add_watch(_fd, paths[i], InOpen);
                if (watch < 0)
                {
                    throw new InvalidOperationException($"inotify_add_watch '{paths[i]}' failed (errno {Marshal.GetLastPInvokeError()}).");
                }
                _indexByWatch[watch] = i;
            }
            _reader = new Thread(Read) { IsBackground = true, Name = "open watch" };
            _reader.Start();
        }

        /// <summary>Waits up to <paramref name="timeout"/> for an open of one of the files; returns its index, or -1.</summary>
        public int Take(TimeSpan timeout, CancellationToken stop)
        {
            try
            {
                return _opened.TryTake(out int index, (int)Math.Max(0, timeout.TotalMilliseconds), stop) ? index : -1;
            }
            catch (OperationCanceledException)
            {
                return -1;
            }
        }

        /// <summary>Forgets opens seen so far (the writer's own, for one).</summary>
        public void Drain()
        {
            while (_opened.TryTake(out _))
            {
            }
        }

        public void Dispose()
        {
            _stopped = true;
            _reader.Join();
            _ = close(_fd);
            _opened.Dispose();
        }

        private unsafe void Read()
        {
            var buffer = new byte[4096];
            var poll = new PollFd { Fd = _fd, Events = PollIn };
            while (!_stopped)
            {
                if (poll_(ref poll, 1, 100) <= 0)
                {
                    continue;
                }
                long length;
                fixed (byte* start = buffer)
                {
                    length = (long)read(_fd, start, (nuint)buffer.Length);
                }
                // struct inotify_event { int wd; uint32 mask; uint32 cookie; uint32 len; char name[len]; }
                for (int offset = 0; offset + 16 <= length;)
                {
                    int watch = BitConverter.ToInt32(buffer, offset);
                    uint nameLength = BitConverter.ToUInt32(buffer, offset + 12);
                    if (_indexByWatch.TryGetValue(watch, out int index))
                    {
                        _opened.Add(index);
                    }
                    offset += 16 + (int)nameLength;
                }
            }
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct PollFd
        {
            public int Fd;
            public short Events;
            public short Revents;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int inotify_init1(int flags);

        [DllImport("libc", SetLastError = true)]
        private static extern int inotify_add_watch(int fd, string path, uint mask);

        [DllImport("libc", SetLastError = true, EntryPoint = "poll")]
        private static extern int poll_(ref PollFd fds, nuint count, int timeout);

        [DllImport("libc", SetLastError = true)]
        private static extern unsafe nint read(int fd, byte* buffer, nuint count);

        [DllImport("libc", SetLastError = true)]
        private static extern int close(int fd);
    }
}
