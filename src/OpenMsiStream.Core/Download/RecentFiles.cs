using System.Collections.Generic;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// The last generations rebuilt (or given up on) per path, bounded in size, so that late or
    /// repeated chunks of a finished file are recognised instead of starting a file that never completes.
    /// </summary>
    internal sealed class RecentFiles
    {
        private readonly int _capacity;
        private readonly Dictionary<string, LinkedListNode<KeyValuePair<string, FileGeneration>>> _index = new Dictionary<string, LinkedListNode<KeyValuePair<string, FileGeneration>>>(System.StringComparer.Ordinal);
        private readonly LinkedList<KeyValuePair<string, FileGeneration>> _order = new LinkedList<KeyValuePair<string, FileGeneration>>();

        public RecentFiles(int capacity) => _capacity = capacity;

        public void Remember(string relativePath, FileGeneration generation)
        {
            if (_index.TryGetValue(relativePath, out var existing))
            {
                _order.Remove(existing);
            }
            _index[relativePath] = _order.AddFirst(new KeyValuePair<string, FileGeneration>(relativePath, generation));
            if (_order.Count > _capacity)
            {
                _index.Remove(_order.Last!.Value.Key);
                _order.RemoveLast();
            }
        }

        public bool TryGet(string relativePath, out FileGeneration generation)
        {
            if (_index.TryGetValue(relativePath, out var node))
            {
                generation = node.Value.Value;
                return true;
            }
            generation = null!;
            return false;
        }
    }
}
