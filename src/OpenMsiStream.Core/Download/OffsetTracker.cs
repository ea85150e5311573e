using System.Collections.Generic;
using System.Linq;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// Which offsets may be committed: per partition, everything below the oldest message that is not
    /// yet fully handled (a chunk of a file still in progress, or one that failed in a way a restart can
    /// fix). After a crash the consumer resumes at that message, so nothing handled only in memory is lost.
    /// </summary>
    internal sealed class OffsetTracker
    {
        private readonly Dictionary<int, PartitionState> _partitions = new Dictionary<int, PartitionState>();

        public void Begin(MessagePosition position)
        {
            if (!_partitions.TryGetValue(position.Partition, out PartitionState? state))
            {
                state = new PartitionState();
                _partitions[position.Partition] = state;
            }
            state.Pending.Add(position.Offset);
            if (position.Offset > state.HighestSeen)
            {
                state.HighestSeen = position.Offset;
            }
        }

        public void Resolve(IEnumerable<MessagePosition> positions)
        {
            foreach (MessagePosition position in positions)
            {
                if (_partitions.TryGetValue(position.Partition, out PartitionState? state))
                {
                    state.Pending.Remove(position.Offset);
                }
            }
        }

        /// <summary>The next offset to commit per partition, only where it moved since the last successful commit.</summary>
        public IReadOnlyList<KeyValuePair<int, long>> Committable()
        {
            var result = new List<KeyValuePair<int, long>>();
            foreach (KeyValuePair<int, PartitionState> partition in _partitions)
            {
                PartitionState state = partition.Value;
                long next = state.Pending.Count > 0 ? state.Pending.Min : state.HighestSeen + 1;
                if (next > state.Committed)
                {
                    result.Add(new KeyValuePair<int, long>(partition.Key, next));
                }
            }
            return result;
        }

        /// <summary>
        /// What <see cref="Committable"/> would return once <paramref name="positions"/> are resolved, without
        /// resolving them: the offsets a transaction carries with a file's results, which count as resolved
        /// only if that transaction commits.
        /// </summary>
        public IReadOnlyList<KeyValuePair<int, long>> CommittableAfter(IEnumerable<MessagePosition> positions)
        {
            var resolving = new Dictionary<int, HashSet<long>>();
            foreach (MessagePosition position in positions)
            {
                if (!resolving.TryGetValue(position.Partition, out HashSet<long>? offsets))
                {
                    offsets = new HashSet<long>();
                    resolving[position.Partition] = offsets;
                }
                offsets.Add(position.Offset);
            }
            var result = new List<KeyValuePair<int, long>>();
            foreach (KeyValuePair<int, PartitionState> partition in _partitions)
            {
                PartitionState state = partition.Value;
                resolving.TryGetValue(partition.Key, out HashSet<long>? resolved);
                long next = state.HighestSeen + 1;
                foreach (long pending in state.Pending)
                {
                    if (resolved == null || !resolved.Contains(pending))
                    {
                        next = pending; // SortedSet: the first one left is the oldest
                        break;
                    }
                }
                if (next > state.Committed)
                {
                    result.Add(new KeyValuePair<int, long>(partition.Key, next));
                }
            }
            return result;
        }

        /// <summary>Records offsets the broker accepted, so they are not committed again.</summary>
        public void MarkCommitted(IEnumerable<KeyValuePair<int, long>> committed)
        {
            foreach (KeyValuePair<int, long> offset in committed)
            {
                if (_partitions.TryGetValue(offset.Key, out PartitionState? state) && offset.Value > state.Committed)
                {
                    state.Committed = offset.Value;
                }
            }
        }

        /// <summary>The oldest message of <paramref name="partition"/> not yet handled, if any.</summary>
        public long? OldestPending(int partition) =>
            _partitions.TryGetValue(partition, out PartitionState? state) && state.Pending.Count > 0 ? state.Pending.Min : (long?)null;

        /// <summary>Forgets partitions this consumer no longer owns (after a rebalance).</summary>
        public void Forget(IEnumerable<int> partitions)
        {
            foreach (int partition in partitions.ToList())
            {
                _partitions.Remove(partition);
            }
        }

        private sealed class PartitionState
        {
            public SortedSet<long> Pending { get; } = new SortedSet<long>();

            public long HighestSeen { get; set; } = -1;

            public long Committed { get; set; } = -1;
        }
    }
}
