using System;
using System.Collections.Concurrent;
using System.IO;
using System.Threading;

namespace OpenMsiStream.UploadDirectory
{
    /// <summary>
    /// File-system events as hints: each event names a path worth a look soon. Events are known to be
    /// lost (SMB shares, bursts that overflow the buffer), so the periodic scan stays the source of
    /// truth; a lost-events error or a new directory just asks for an early scan.
    /// </summary>
    internal sealed class ChangeWatcher : IDisposable
    {
        private readonly FileSystemWatcher _watcher;
        private readonly ConcurrentQueue<string> _paths = new ConcurrentQueue<string>();
        private int _rescanRequested;

        public ChangeWatcher(string root, Action<string> onProblem)
        {
            _watcher = new FileSystemWatcher(root)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.LastWrite | NotifyFilters.CreationTime,
                InternalBufferSize = 64 * 1024,
            };
            _watcher.Created += (_, e) => Hint(e.FullPath);
            _watcher.Changed += (_, e) => Hint(e.FullPath);
            _watcher.Renamed += (_, e) => Hint(e.FullPath);
            _watcher.Error += (_, e) =>
            {
                Interlocked.Exchange(ref _rescanRequested, 1);
                onProblem("File-system events were lost (" + (e.GetException()?.Message ?? "unknown reason") + "); the directory is scanned instead.");
            };
            _watcher.EnableRaisingEvents = true;
        }

        /// <summary>Paths named by events since the last call.</summary>
        public bool TryTake(out string fullPath) => _paths.TryDequeue(out fullPath!);

        /// <summary>Whether events were lost or a directory appeared since the last call.</summary>
        public bool TakeRescanRequest() => Interlocked.Exchange(ref _rescanRequested, 0) == 1;

        public void Dispose() => _watcher.Dispose();

        private void Hint(string fullPath)
        {
            if (Directory.Exists(fullPath))
            {
                Interlocked.Exchange(ref _rescanRequested, 1); // a directory moved in brings files no event names
                return;
            }
            _paths.Enqueue(fullPath);
        }
    }
}
