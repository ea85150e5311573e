using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Crypto.Data;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>
    /// Key indexes a consumer has seen on data but holds no key for, per root, and when it last asked
    /// for them. Requests repeat quickly while messages keep waiting (a producer that starts listening
    /// after our first request never sees it), then at the node's subscription interval.
    /// </summary>
    internal sealed class WantedKeys
    {
        private static readonly TimeSpan FastRetry = TimeSpan.FromSeconds(3);
        private static readonly TimeSpan FastRetryFor = TimeSpan.FromMinutes(1);
        private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(30);

        private readonly object _gate = new object();
        private readonly Dictionary<string, RootState> _roots = new Dictionary<string, RootState>(StringComparer.Ordinal);

        public void Want(string root, KeyIndex keyIndex, DateTime now)
        {
            lock (_gate)
            {
                if (!_roots.TryGetValue(root, out RootState? state))
                {
                    state = new RootState();
                    _roots[root] = state;
                }
                state.Wanted[keyIndex] = now;
            }
        }

        public void Received(string root, KeyIndex keyIndex)
        {
            lock (_gate)
            {
                if (_roots.TryGetValue(root, out RootState? state))
                {
                    state.Wanted.Remove(keyIndex);
                }
            }
        }

        /// <summary>Roots whose request is due now, with the indexes to ask for; marks them asked.</summary>
        public IReadOnlyList<(string Root, IReadOnlyList<KeyIndex> Wanted)> TakeDue(DateTime now, TimeSpan subscriptionInterval)
        {
            var due = new List<(string, IReadOnlyList<KeyIndex>)>();
            lock (_gate)
            {
                foreach (KeyValuePair<string, RootState> root in _roots)
                {
                    RootState state = root.Value;
                    foreach (KeyIndex stale in state.Wanted.Where(w => now - w.Value > ForgetAfter).Select(w => w.Key).ToList())
                    {
                        state.Wanted.Remove(stale);
                    }
                    if (state.Wanted.Count == 0)
                    {
                        continue;
                    }
                    DateTime newestNeed = state.Wanted.Values.Max();
                    TimeSpan interval = now - newestNeed < FastRetryFor ? FastRetry : subscriptionInterval;
                    if (state.LastRequest == null || now - state.LastRequest.Value >= interval)
                    {
                        state.LastRequest = now;
                        due.Add((root.Key, state.Wanted.Keys.ToList()));
                    }
                }
            }
            return due;
        }

        private sealed class RootState
        {
            public Dictionary<KeyIndex, DateTime> Wanted { get; } = new Dictionary<KeyIndex, DateTime>();

            public DateTime? LastRequest { get; set; }
        }
    }
}
