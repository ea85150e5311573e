using System;
using System.Collections.Generic;
using System.IO;
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

        /// <summary>Candidates by when they are next due, so a poll touches only those (not all of a large tree).</summary>
        private readonly SortedSet<Candidate> _byNextCheck = new SortedSet<Candidate>(Candidate.ByNextCheck);
        private long _sequence;

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
                candidate = new Candidate(relativePath, state, now, ++_sequence);
                _candidates[relativePath] = candidate;
                _byNextCheck.Add(candidate);
                return;
            }
            if (state.HasValue && (!candidate.Last.HasValue || !candidate.Last.Value.Equals(state.Value)))
            {
                candidate.Last = state;
                candidate.StableSince = now;
            }
        }

        public void Remove(string relativePath)
        {
            if (_candidates.TryGetValue(relativePath, out Candidate? candidate))
            {
                _candidates.Remove(relativePath);
                _byNextCheck.Remove(candidate);
            }
        }

        /// <summary>
        /// Checks the candidates that are due and returns those that are ready, with their state. Files
        /// that disappeared are dropped; files that cannot be opened are reported through <paramref name="onUnreadable"/>.
        /// </summary>
        public List<KeyValuePair<string, FileState>> Poll(DateTime now, Func<string, string> fullPathOf, Action<string, Exception, int> onUnreadable)
        {
            var ready = new List<KeyValuePair<string, FileState>>();
            while (_byNextCheck.Count > 0 && _byNextCheck.Min!.NextCheck <= now)
            {
                Candidate candidate = _byNextCheck.Min;
                _byNextCheck.Remove(candidate);
                string fullPath = fullPathOf(candidate.RelativePath);
                FileState? state = Stat(fullPath);
                if (!state.HasValue)
                {
                    _candidates.Remove(candidate.RelativePath); // gone before it settled
                    continue;
                }
                if (!candidate.Last.HasValue || !candidate.Last.Value.Equals(state.Value))
                {
                    candidate.Last = state;
                    candidate.StableSince = now;
                }
                if (now - candidate.StableSince < _settleTime)
                {
                    Reschedule(candidate, now + _checkInterval);
                    continue;
                }
                Exception? problem = TryOpen(fullPath);
                if (problem == null)
                {
                    _candidates.Remove(candidate.RelativePath);
                    ready.Add(new KeyValuePair<string, FileState>(candidate.RelativePath, state.Value));
                    continue;
                }
                candidate.OpenFailures++;
                onUnreadable(candidate.RelativePath, problem, candidate.OpenFailures);
                double seconds = Math.Min(MaxOpenBackoff.TotalSeconds, Math.Pow(2, Math.Min(candidate.OpenFailures, 10)) / 2);
                Reschedule(candidate, now + TimeSpan.FromSeconds(seconds));
            }
            return ready;
        }

        private void Reschedule(Candidate candidate, DateTime next)
        {
            candidate.NextCheck = next;
            candidate.Sequence = ++_sequence;
            _byNextCheck.Add(candidate);
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
            public static readonly IComparer<Candidate> ByNextCheck = Comparer<Candidate>.Create((a, b) =>
            {
                int byTime = a.NextCheck.CompareTo(b.NextCheck);
                return byTime != 0 ? byTime : a.Sequence.CompareTo(b.Sequence);
            });

            public Candidate(string relativePath, FileState? last, DateTime now, long sequence)
            {
                RelativePath = relativePath;
                Last = last;
                StableSince = now;
                NextCheck = now;
                Sequence = sequence;
            }

            public string RelativePath { get; }

            /// <summary>Tie-breaker that keeps entries with the same due time distinct in the sorted set.</summary>
            public long Sequence { get; set; }

            public FileState? Last { get; set; }

            public DateTime StableSince { get; set; }

            public DateTime NextCheck { get; set; }

            public int OpenFailures { get; set; }
        }
    }
}
