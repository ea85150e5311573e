using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using OpenMsiStream.Chunks;

namespace OpenMsiStream.UploadDirectory
{
    /// <summary>A file found by a scan: its POSIX path under the watched directory and its size and mtime.</summary>
    internal readonly struct ScannedFile
    {
        public ScannedFile(string relativePath, string fullPath, FileState state, FileAttributes attributes)
        {
            RelativePath = relativePath;
            FullPath = fullPath;
            State = state;
            Attributes = attributes;
        }

        public string RelativePath { get; }

        public string FullPath { get; }

        public FileState State { get; }

        public FileAttributes Attributes { get; }
    }

    /// <summary>
    /// Walks the watched directory, one directory at a time (memory does not grow with the number of
    /// files). Directories that cannot be read are reported and skipped; symbolic links to directories
    /// are not followed (they could loop or leave the tree).
    /// </summary>
    internal sealed class DirectoryScanner
    {
        private readonly string _root;

        public DirectoryScanner(string root) => _root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);

        /// <summary>The files of each directory in turn, with the directory's POSIX path relative to the root.</summary>
        public IEnumerable<KeyValuePair<string, List<ScannedFile>>> Scan(Action<string> onUnreadableDirectory, CancellationToken cancellationToken)
        {
            var pending = new Stack<string>();
            pending.Push(_root);
            while (pending.Count > 0 && !cancellationToken.IsCancellationRequested)
            {
                string directory = pending.Pop();
                var files = new List<ScannedFile>();
                FileSystemInfo[] entries;
                try
                {
                    entries = new DirectoryInfo(directory).GetFileSystemInfos();
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    onUnreadableDirectory($"Cannot read directory '{directory}': {ex.Message}");
                    continue;
                }
                foreach (FileSystemInfo entry in entries)
                {
                    FileAttributes attributes;
                    try
                    {
                        attributes = entry.Attributes;
                    }
                    catch (IOException)
                    {
                        continue; // vanished meanwhile
                    }
                    if ((attributes & FileAttributes.Directory) != 0)
                    {
                        if ((attributes & FileAttributes.ReparsePoint) == 0)
                        {
                            pending.Push(entry.FullName);
                        }
                        continue;
                    }
                    var file = (FileInfo)entry;
                    files.Add(new ScannedFile(RelativePathOf(file.FullName), file.FullName, new FileState(file.Length, file.LastWriteTimeUtc), attributes));
                }
                yield return new KeyValuePair<string, List<ScannedFile>>(directory.Length == _root.Length ? string.Empty : RelativePathOf(directory), files);
            }
        }

        public string RelativePathOf(string fullPath)
        {
            string relative = fullPath.Substring(_root.Length + 1);
            return Path.DirectorySeparatorChar == '/' ? relative : relative.Replace(Path.DirectorySeparatorChar, '/');
        }

        public string FullPathOf(string relativePath) =>
            Path.Combine(_root, Path.DirectorySeparatorChar == '/' ? relativePath : relativePath.Replace('/', Path.DirectorySeparatorChar));
    }
}
