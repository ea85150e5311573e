using System;
using System.Collections.Generic;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// The last version of recently finished paths, bounded in size, so late or repeated chunks of a
    /// finished file are recognised without a registry look-up, and the versions that failed in the last
    /// minutes, so the rest of a failed file's chunks do not each report the failure again.
    /// </summary>
    internal sealed class RecentFiles
    {
        private static readonly TimeSpan FailureMemory = TimeSpan.FromMinutes(10);
        private readonly int _capacity;
        private readonly Dictionary<string, LinkedListNode<KeyValuePair<string, FileGeneration>>> _index = new Dictionary<string, LinkedListNode<KeyValuePair<string, FileGeneration>>>(StringComparer.Ordinal);
        private readonly LinkedList<KeyValuePair<string, FileGeneration>> _order = new LinkedList<KeyValuePair<string, FileGeneration>>();
        private readonly Dictionary<string, KeyValuePair<FileGeneration, DateTime>> _failed = new Dictionary<string, KeyValuePair<FileGeneration, DateTime>>(StringComparer.Ordinal);

        public RecentFiles(int capacity) => _capacity = capacity;

        public void Remember(string relativePath, FileGeneration received)
        {
            if (_index.TryGetValue(relativePath, out var existing))
            {
                _order.Remove(existing);
            }
            _failed.Remove(relativePath);
            _index[relativePath] = _order.AddFirst(new KeyValuePair<string, FileGeneration>(relativePath, received));
            if (_order.Count > _capacity)
            {
                _index.Remove(_order.Last!.Value.Key);
                _order.RemoveLast();
            }
        }

        public bool TryGet(string relativePath, out FileGeneration received)
        {
            if (_index.TryGetValue(relativePath, out var node))
            {
                received = node.Value.Value;
                return true;
            }
            received = null!;
            return false;
        }

        public void RememberFailure(string relativePath, FileGeneration generation)
        {
            if (_failed.Count >= _capacity)
            {
                _failed.Clear();
            }
            _failed[relativePath] = new KeyValuePair<FileGeneration, DateTime>(generation, DateTime.UtcNow);
        }

        /// <summary>Whether this version of the path failed in the last minutes (its other chunks are skipped quietly).</summary>
        public bool FailedRecently(string relativePath, byte[] fileHash) =>
            _failed.TryGetValue(relativePath, out var failure)
            && DateTime.UtcNow - failure.Value < FailureMemory
            && failure.Key.FileHash.AsSpan().SequenceEqual(fileHash);
    }
}
