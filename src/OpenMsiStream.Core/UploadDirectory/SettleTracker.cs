using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OpenMsiStream.Chunks;

namespace OpenMsiStream.UploadDirectory
{
    /// <summary>
    /// Decides when a new or changed file is ready to send: its size and mtime have not changed for
    /// the settle time and it can be opened for reading. A file that cannot be opened yet (the
    /// instrument still writes it, an antivirus scans it) is tried again with growing pauses and
    /// reported, never dropped.
    /// </summary>
    internal sealed class SettleTracker
    {
        private static readonly TimeSpan MaxOpenBackoff = TimeSpan.FromMinutes(1);
        private readonly TimeSpan _settleTime;
        private readonly TimeSpan _checkInterval;
        private readonly Dictionary<string, Candidate> _candidates = new Dictionary<string, Candidate>(StringComparer.Ordinal);

        public SettleTracker(TimeSpan settleTime)
        {
            _settleTime = settleTime;
            _checkInterval = TimeSpan.FromMilliseconds(Math.Max(50, Math.Min(1000, settleTime.TotalMilliseconds / 4)));
        }

        public int Count => _candidates.Count;

        public bool Contains(string relativePath) => _candidates.ContainsKey(relativePath);

        /// <summary>Notes a file that is new or may have changed; <paramref name="state"/> when already known.</summary>
        public void Observe(string relativePath, FileState? state, DateTime now)
        {
            if (!_candidates.TryGetValue(relativePath, out Candidate? candidate))
            {
                _candidates[relativePath] = new Candidate(state, now);
                return;
            }
            if (state.HasValue && (!candidate.Last.HasValue || !candidate.Last.Value.Equals(state.Value)))
            {
                candidate.Last = state;
                candidate.StableSince = now;
            }
        }

        public void Remove(string relativePath) => _candidates.Remove(relativePath);

        /// <summary>
        /// Checks the candidates that are due and returns those that are ready, with their state. Files
        /// that disappeared are dropped; files that cannot be opened are reported through <paramref name="onUnreadable"/>.
        /// </summary>
        public List<KeyValuePair<string, FileState>> Poll(DateTime now, Func<string, string> fullPathOf, Action<string, Exception, int> onUnreadable)
        {
            var ready = new List<KeyValuePair<string, FileState>>();
            foreach (KeyValuePair<string, Candidate> entry in _candidates.Where(c => c.Value.NextCheck <= now).ToList())
            {
                Candidate candidate = entry.Value;
                string fullPath = fullPathOf(entry.Key);
                FileState? state = Stat(fullPath);
                if (!state.HasValue)
                {
                    _candidates.Remove(entry.Key); // gone before it settled
                    continue;
                }
                if (!candidate.Last.HasValue || !candidate.Last.Value.Equals(state.Value))
                {
                    candidate.Last = state;
                    candidate.StableSince = now;
                }
                if (now - candidate.StableSince < _settleTime)
                {
                    candidate.NextCheck = now + _checkInterval;
                    continue;
                }
                Exception? problem = TryOpen(fullPath);
                if (problem == null)
                {
                    _candidates.Remove(entry.Key);
                    ready.Add(new KeyValuePair<string, FileState>(entry.Key, state.Value));
                    continue;
                }
                candidate.OpenFailures++;
                onUnreadable(entry.Key, problem, candidate.OpenFailures);
                double seconds = Math.Min(MaxOpenBackoff.TotalSeconds, Math.Pow(2, Math.Min(candidate.OpenFailures, 10)) / 2);
                candidate.NextCheck = now + TimeSpan.FromSeconds(seconds);
            }
            return ready;
        }

        private static FileState? Stat(string fullPath)
        {
            var info = new FileInfo(fullPath);
            return info.Exists ? new FileState(info.Length, info.LastWriteTimeUtc) : (FileState?)null;
        }

        private static Exception? TryOpen(string fullPath)
        {
            try
            {
                using (new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1))
                {
                    return null;
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return ex;
            }
        }

        private sealed class Candidate
        {
            public Candidate(FileState? last, DateTime now)
            {
                Last = last;
                StableSince = now;
                NextCheck = now;
            }

            public FileState? Last { get; set; }

            public DateTime StableSince { get; set; }

            public DateTime NextCheck { get; set; }

            public int OpenFailures { get; set; }
        }
    }
}
