using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// One file being rebuilt: which chunks arrived (duplicates are recognised by offset, as
    /// OpenMSIStream does), the messages that carried them, and the store that holds the bytes.
    /// </summary>
    internal sealed class FileAssembly : IDisposable
    {
        /// <summary>The chunks here, by offset: length, and (for chunks of this run) the chunk hash and message, to name a bad chunk when the file hash fails.</summary>
        private readonly Dictionary<long, StoredChunk> _chunks = new Dictionary<long, StoredChunk>();
        private readonly List<MessagePosition> _positions = new List<MessagePosition>();
        /// <summary>Chunks written since the last durable record, with the message that carried each.</summary>
        private readonly List<(long Offset, int Length, MessagePosition Position)> _unpersisted = new List<(long Offset, int Length, MessagePosition Position)>();

        public FileAssembly(string relativePath, FileGeneration generation, IChunkStore store, bool restored = false, string? keyPrefix = null)
        {
            RelativePath = relativePath;
            KeyPrefix = keyPrefix ?? Wire.ChunkMessageKey.Prefix(relativePath);
            Generation = generation;
            Store = store;
            LastChunkAt = DateTime.UtcNow;
            Restored = restored;
        }

        /// <summary>Bytes of the file in the store now (chunks from an earlier run included).</summary>
        public long BytesStored { get; private set; }

        /// <summary>Told of every change of <see cref="BytesStored"/>, so the owner can keep a total.</summary>
        public Action<long>? BytesChanged { get; set; }

        /// <summary>The file part of its chunks' keys (OpenMSIStream's "prepend"), for result-message keys.</summary>
        public string KeyPrefix { get; }

        /// <summary>Taken over from an earlier run; until a new chunk arrives it holds no message back.</summary>
        public bool Restored { get; }

        /// <summary>Whether a chunk was added in this run.</summary>
        public bool Touched => _positions.Count > 0 || Released;

        /// <summary>When the last new chunk of this file arrived, to notice files whose producer stopped.</summary>
        public DateTime LastChunkAt { get; private set; }

        public string RelativePath { get; }

        public FileGeneration Generation { get; }

        public IChunkStore Store { get; }

        /// <summary>The messages that carried this file's chunks, to be committed once it is handled.</summary>
        public IReadOnlyList<MessagePosition> Positions => _positions;

        public bool IsComplete => _chunks.Count == Generation.TotalChunks;

        public int ReceivedChunks => _chunks.Count;

        public double? Mtime => Generation.Mtime;

        /// <summary>
        /// Set when the receiver stopped waiting for this file's missing chunks (its producer went
        /// away): its messages were committed, but it is kept, so the rest can still complete it.
        /// </summary>
        public bool Released { get; private set; }

        /// <summary>Chunks already in the store from an earlier run (restored from the registry).</summary>
        public void Preload(IEnumerable<KeyValuePair<long, int>> chunks)
        {
            foreach (KeyValuePair<long, int> chunk in chunks)
            {
                _chunks[chunk.Key] = new StoredChunk(chunk.Value, null, null, 0);
                ChangeBytes(chunk.Value);
            }
        }

        /// <summary>Chunks stored since they were last recorded durably (<see cref="MarkPersisted"/>).</summary>
        public IReadOnlyList<KeyValuePair<long, int>> Unpersisted() => _unpersisted.Select(c => new KeyValuePair<long, int>(c.Offset, c.Length)).ToList();

        /// <summary>The chunks <see cref="Unpersisted"/> returned are on disk and recorded.</summary>
        public void MarkPersisted(int count) => _unpersisted.RemoveRange(0, Math.Min(count, _unpersisted.Count));

        /// <summary>
        /// Forgets the chunks that are not recorded durably, after the output failed under them (a full
        /// disk can lose what a write put in the page cache when the flush fails): their messages are
        /// still held back, so they are read again and written again. The store's running hash is
        /// dropped too, so the file is verified from what is on disk.
        /// </summary>
        public void ForgetUnpersisted()
        {
            foreach ((long offset, int length, MessagePosition position) in _unpersisted)
            {
                _chunks.Remove(offset);
                ChangeBytes(-length);
                _positions.RemoveAll(p => p.Partition == position.Partition && p.Offset == position.Offset);
            }
            _unpersisted.Clear();
            Store.ResetRunningHash();
        }

        /// <summary>Stops holding this file's messages back; returns them so they can be committed.</summary>
        public IReadOnlyList<MessagePosition> Release()
        {
            Released = true;
            var positions = _positions.ToArray();
            _positions.Clear();
            return positions;
        }

        /// <summary>Stores the chunk; false when a chunk at that offset is already here.</summary>
        public bool Add(DataFileChunk chunk, MessagePosition position)
        {
            if (_chunks.ContainsKey(chunk.Offset))
            {
                return false;
            }
            Store.Write(chunk.Offset, chunk.Data, completesFile: _chunks.Count + 1 == Generation.TotalChunks);
            _chunks.Add(chunk.Offset, new StoredChunk(chunk.Data.Length, chunk.ChunkHash, position, chunk.ChunkIndex));
            _unpersisted.Add((chunk.Offset, chunk.Data.Length, position));
            ChangeBytes(chunk.Data.Length);
            _positions.Add(position);
            Generation.Span?.Include(position);
            LastChunkAt = DateTime.UtcNow;
            return true;
        }

        /// <summary>Whether this file holds <paramref name="position"/> back (the message was read again, after a rewind).</summary>
        public bool Holds(MessagePosition position) => _positions.Any(p => p.Partition == position.Partition && p.Offset == position.Offset);

        /// <summary>
        /// The file length, once every chunk is here, after checking that the chunks cover it exactly
        /// (no gaps, no overlaps), which a hash check alone would report less clearly.
        /// </summary>
        public long CheckCoverage()
        {
            long end = 0;
            foreach (KeyValuePair<long, StoredChunk> chunk in _chunks.OrderBy(c => c.Key))
            {
                if (chunk.Key != end)
                {
                    throw new OpenMsiStreamException(ErrorIds.InconsistentChunks,
                        $"The chunks of '{RelativePath}' do not fit together: a chunk starts at byte {chunk.Key} where byte {end} was expected. The file was not written.",
                        target: RelativePath);
                }
                end += chunk.Value.Length;
            }
            return end;
        }

        /// <summary>
        /// After the file hash failed: the chunks of this run whose data, read back from the store, does
        /// not match their own chunk hash (chunks are not hashed one by one as they arrive: the file hash
        /// covers every byte, and this finds the culprit when it fails).
        /// </summary>
        public IReadOnlyList<(int ChunkIndex, MessagePosition Position)> FindCorruptChunks()
        {
            var corrupt = new List<(int, MessagePosition)>();
            using var sha512 = System.Security.Cryptography.SHA512.Create();
            foreach (KeyValuePair<long, StoredChunk> chunk in _chunks.OrderBy(c => c.Key))
            {
                StoredChunk stored = chunk.Value;
                if (stored.ChunkHash != null && stored.Position is MessagePosition position
                    && !sha512.ComputeHash(Store.Read(chunk.Key, stored.Length)).AsSpan().SequenceEqual(stored.ChunkHash))
                {
                    corrupt.Add((stored.ChunkIndex, position));
                }
            }
            return corrupt;
        }

        public void Dispose() => Store.Dispose();

        private void ChangeBytes(long delta)
        {
            BytesStored += delta;
            BytesChanged?.Invoke(delta);
        }
    }

    /// <summary>A chunk in a file's store; hash and message are null for chunks restored from an earlier run.</summary>
    internal readonly struct StoredChunk
    {
        public StoredChunk(int length, byte[]? chunkHash, MessagePosition? position, int chunkIndex)
        {
            Length = length;
            ChunkHash = chunkHash;
            Position = position;
            ChunkIndex = chunkIndex;
        }

        public int Length { get; }

        public byte[]? ChunkHash { get; }

        public MessagePosition? Position { get; }

        public int ChunkIndex { get; }
    }
}
