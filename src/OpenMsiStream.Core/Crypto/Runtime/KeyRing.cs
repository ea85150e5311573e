using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Node;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>
    /// Every topic secret a node holds: its own producer keys (this run's and, unlike KafkaCrypto, the
    /// ones kept from earlier runs, so a restarted producer still serves data it sent before), and the
    /// keys other producers sent it. Received keys stay in memory only, as in KafkaCrypto. Waiters for a
    /// key are woken when it arrives.
    /// </summary>
    internal sealed class KeyRing
    {
        private readonly object _gate = new object();
        private readonly List<ProducerKey> _own = new List<ProducerKey>();
        private readonly Dictionary<(string Root, KeyIndex KeyIndex), byte[]> _received = new Dictionary<(string, KeyIndex), byte[]>();

        public void AddOwn(ProducerKey key)
        {
            lock (_gate)
            {
                _own.RemoveAll(k => k.Root == key.Root && k.KeyIndex.Equals(key.KeyIndex));
                _own.Add(key);
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>Own keys born before <paramref name="oldestBirth"/> are forgotten (KafkaCrypto keeps 7 days).</summary>
        public int PruneOwn(double oldestBirth)
        {
            lock (_gate)
            {
                return _own.RemoveAll(k => k.Birth < oldestBirth);
            }
        }

        public IReadOnlyList<ProducerKey> OwnKeys()
        {
            lock (_gate)
            {
                return _own.ToList();
            }
        }

        public IReadOnlyList<string> OwnRoots()
        {
            lock (_gate)
            {
                return _own.Select(k => k.Root).Distinct(StringComparer.Ordinal).ToList();
            }
        }

        /// <summary>The wanted keys of <paramref name="root"/> this node produced (and so may hand out).</summary>
        public IReadOnlyList<(KeyIndex KeyIndex, byte[] Secret)> OwnKeysFor(string root, IEnumerable<KeyIndex> wanted)
        {
            var set = new HashSet<KeyIndex>(wanted);
            lock (_gate)
            {
                return _own.Where(k => k.Root == root && set.Contains(k.KeyIndex)).Select(k => (k.KeyIndex, k.Secret)).ToList();
            }
        }

        public void AddReceived(string root, KeyIndex keyIndex, byte[] secret)
        {
            lock (_gate)
            {
                _received[(root, keyIndex)] = secret;
                Monitor.PulseAll(_gate);
            }
        }

        public bool TryGet(string root, KeyIndex keyIndex, out byte[] secret)
        {
            lock (_gate)
            {
                return TryGetLocked(root, keyIndex, out secret);
            }
        }

        /// <summary>Waits up to <paramref name="timeout"/> for the key; false when it did not come (or on cancellation).</summary>
        public bool WaitFor(string root, KeyIndex keyIndex, TimeSpan timeout, CancellationToken cancellationToken, out byte[] secret)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            lock (_gate)
            {
                while (true)
                {
                    if (TryGetLocked(root, keyIndex, out secret))
                    {
                        return true;
                    }
                    TimeSpan left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || cancellationToken.IsCancellationRequested)
                    {
                        return false;
                    }
                    // Short slices so that cancellation is noticed without a registration per wait.
                    Monitor.Wait(_gate, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
                }
            }
        }

        private bool TryGetLocked(string root, KeyIndex keyIndex, out byte[] secret)
        {
            if (_received.TryGetValue((root, keyIndex), out byte[]? received))
            {
                secret = received;
                return true;
            }
            ProducerKey? own = _own.FirstOrDefault(k => k.Root == root && k.KeyIndex.Equals(keyIndex));
            secret = own?.Secret ?? Array.Empty<byte>();
            return own != null;
        }
    }
}
