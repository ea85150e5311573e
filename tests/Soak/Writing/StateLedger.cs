using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace OpenMsiStream.Soak.Writing
{
    /// <summary>One content a path held between two of the writer's system calls.</summary>
    internal sealed class FileState
    {
        public FileState(int index, string sha512, long length, string operation, DateTime recordedUtc, bool intermediate)
        {
            Intermediate = intermediate;
            Index = index;
            Sha512 = sha512;
            Length = length;
            Operation = operation;
            RecordedUtc = recordedUtc;
        }

        /// <summary>What an operation of several system calls left between two of them (not its result).</summary>
        public bool Intermediate { get; }

        /// <summary>0 for the first state of the path.</summary>
        public int Index { get; }

        public string Sha512 { get; }

        public long Length { get; }

        /// <summary>What produced it (create, grow, same-size rewrite, restore with older mtime, ...).</summary>
        public string Operation { get; }

        /// <summary>When the writer recorded it, just before the write began.</summary>
        public DateTime RecordedUtc { get; }

        /// <summary>The file's mtime once the operation completed (null while it runs).</summary>
        public DateTime? MtimeUtc { get; set; }
    }

    /// <summary>Every state one path held, in order.</summary>
    internal sealed class PathHistory
    {
        private readonly List<FileState> _states = new List<FileState>();
        private readonly HashSet<string> _shas = new HashSet<string>(StringComparer.Ordinal);

        public PathHistory(string relativePath) => RelativePath = relativePath;

        /// <summary>With '/' separators, as the product names files on the wire.</summary>
        public string RelativePath { get; }

        public IReadOnlyList<FileState> States => _states;

        public FileState Final => _states[_states.Count - 1];

        /// <summary>Results of operations, without what operations left on the way.</summary>
        public IEnumerable<FileState> Results => _states.Where(s => !s.Intermediate);

        public bool Contains(string sha512) => _shas.Contains(sha512);

        /// <summary>How many times the path changed to this content (A→B→A is two for A): how often it may be delivered.</summary>
        public int Occurrences(string sha512)
        {
            int count = 0;
            for (int i = 0; i < _states.Count; i++)
            {
                if (_states[i].Sha512 == sha512 && (i == 0 || _states[i - 1].Sha512 != sha512))
                {
                    count++;
                }
            }
            return count;
        }

        internal FileState Add(string sha512, long length, string operation, DateTime now, bool intermediate)
        {
            var state = new FileState(_states.Count, sha512, length, operation, now, intermediate);
            _states.Add(state);
            _shas.Add(sha512);
            return state;
        }
    }

    /// <summary>
    /// The SHA-512 of every state the writer ever produced, per path. A state is recorded before the
    /// system call that makes it, so anything a reader finds in the output either is in here or never
    /// was on disk between two system calls (a torn read, or corruption). Thread-safe.
    /// </summary>
    internal sealed class StateLedger
    {
        private readonly object _gate = new object();
        private readonly Dictionary<string, PathHistory> _paths = new Dictionary<string, PathHistory>(StringComparer.Ordinal);
        private long _bytesWritten;

        public FileState Record(string relativePath, string sha512, long length, long bytesWritten, string operation, bool intermediate = false)
        {
            lock (_gate)
            {
                if (!_paths.TryGetValue(relativePath, out PathHistory? history))
                {
                    history = new PathHistory(relativePath);
                    _paths.Add(relativePath, history);
                }
                _bytesWritten += bytesWritten;
                return history.Add(sha512, length, operation, DateTime.UtcNow, intermediate);
            }
        }

        public void Completed(FileState state, DateTime mtimeUtc)
        {
            lock (_gate)
            {
                state.MtimeUtc = mtimeUtc;
            }
        }

        /// <summary>null when the writer never wrote this path.</summary>
        public bool? IsKnownState(string relativePath, string sha512)
        {
            lock (_gate)
            {
                return _paths.TryGetValue(relativePath, out PathHistory? history) ? history.Contains(sha512) : null;
            }
        }

        public PathHistory? Find(string relativePath)
        {
            lock (_gate)
            {
                return _paths.TryGetValue(relativePath, out PathHistory? history) ? history : null;
            }
        }

        public IReadOnlyList<PathHistory> Paths
        {
            get
            {
                lock (_gate)
                {
                    return _paths.Values.OrderBy(p => p.RelativePath, StringComparer.Ordinal).ToList();
                }
            }
        }

        public long BytesWritten
        {
            get
            {
                lock (_gate)
                {
                    return _bytesWritten;
                }
            }
        }

        /// <summary>One line per state: path (JSON-escaped, since names hold tabs), index, operation, length, mtime, SHA-512.</summary>
        public void WriteTsv(string path)
        {
            var text = new StringBuilder("path\tindex\toperation\tlength\trecorded_utc\tmtime_utc\tsha512\n");
            lock (_gate)
            {
                foreach (PathHistory history in _paths.Values.OrderBy(p => p.RelativePath, StringComparer.Ordinal))
                {
                    foreach (FileState state in history.States)
                    {
                        text.Append(System.Text.Json.JsonSerializer.Serialize(history.RelativePath)).Append('\t')
                            .Append(state.Index.ToString(CultureInfo.InvariantCulture)).Append('\t')
                            .Append(state.Operation).Append('\t')
                            .Append(state.Length.ToString(CultureInfo.InvariantCulture)).Append('\t')
                            .Append(state.RecordedUtc.ToString("O", CultureInfo.InvariantCulture)).Append('\t')
                            .Append(state.MtimeUtc?.ToString("O", CultureInfo.InvariantCulture) ?? "").Append('\t')
                            .Append(state.Sha512).Append('\n');
                    }
                }
            }
            File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
        }
    }
}
