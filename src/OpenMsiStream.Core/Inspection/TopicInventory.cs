using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Kafka;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Inspection
{
    /// <summary>What to take stock of.</summary>
    public sealed class TopicInventoryOptions
    {
        public TopicInventoryOptions(string topic) => Topic = topic;

        public string Topic { get; }

        /// <summary>Only files whose POSIX relative path matches (others are counted as skipped messages).</summary>
        public Regex? Filter { get; set; }

        public TimeSpan ConnectTimeout { get; set; } = KafkaConnectionProbe.DefaultTimeout;
    }

    /// <summary>One version of a file on a topic: what its chunks say and where they are.</summary>
    public sealed class TopicFileVersion
    {
        private readonly HashSet<int> _chunks = new HashSet<int>();

        internal TopicFileVersion(string sha512, int totalChunks, double? mtime, IReadOnlyDictionary<string, string> metadata)
        {
            Sha512 = sha512;
            TotalChunks = totalChunks;
            SourceLastWriteTimeUtc = UnixTime.ToUtc(mtime);
            Metadata = metadata;
        }

        public string Sha512 { get; }

        public int TotalChunks { get; }

        public int ChunksPresent => _chunks.Count;

        public bool Complete => _chunks.Count == TotalChunks;

        /// <summary>The file's length, once its last chunk is on the topic.</summary>
        public long? Length { get; private set; }

        public DateTime? SourceLastWriteTimeUtc { get; }

        /// <summary>The partition of its chunks, or -1 when they are spread over several.</summary>
        public int Partition { get; private set; } = int.MinValue;

        public long FirstOffset { get; private set; } = long.MaxValue;

        public long LastOffset { get; private set; } = -1;

        /// <summary>When the producer sent its first chunk on the topic, where the broker keeps timestamps.</summary>
        public DateTime? SentAtUtc { get; private set; }

        public IReadOnlyDictionary<string, string> Metadata { get; }

        internal void Add(DataFileChunk chunk, ScannedMessage message)
        {
            _chunks.Add(chunk.ChunkIndex);
            if (chunk.ChunkIndex == chunk.TotalChunks)
            {
                Length = chunk.Offset + chunk.Data.Length;
            }
            Partition = Partition == int.MinValue || Partition == message.Partition ? message.Partition : -1;
            FirstOffset = Math.Min(FirstOffset, message.Offset);
            LastOffset = Math.Max(LastOffset, message.Offset);
            if (message.SentAtUtc.HasValue && (!SentAtUtc.HasValue || message.SentAtUtc < SentAtUtc))
            {
                SentAtUtc = message.SentAtUtc;
            }
        }
    }

    /// <summary>A file on a topic: its newest version (the newest send), and all of its versions, oldest first.</summary>
    public sealed class TopicFile
    {
        internal TopicFile(string topic, string relativePath, IReadOnlyList<TopicFileVersion> versions)
        {
            Topic = topic;
            RelativePath = relativePath;
            Versions = versions;
        }

        public string Topic { get; }

        public string RelativePath { get; }

        public IReadOnlyList<TopicFileVersion> Versions { get; }

        public TopicFileVersion Latest => Versions[Versions.Count - 1];

        public long? Length => Latest.Length;

        public int ChunksPresent => Latest.ChunksPresent;

        public int TotalChunks => Latest.TotalChunks;

        public bool Complete => Latest.Complete;

        public string Sha512 => Latest.Sha512;

        public int Partition => Latest.Partition;

        public long FirstOffset => Versions.Min(v => v.FirstOffset);

        public long LastOffset => Versions.Max(v => v.LastOffset);

        public IReadOnlyDictionary<string, string> Metadata => Latest.Metadata;
    }

    /// <summary>Totals of an inventory: files, how many are complete, and the messages that are not chunks of a file.</summary>
    public sealed class TopicInventorySummary
    {
        internal TopicInventorySummary(string topic, int files, int complete, long messages, long bytes, int unreadable, int undecryptable, int skipped)
        {
            Topic = topic;
            Files = files;
            Complete = complete;
            Messages = messages;
            Bytes = bytes;
            Unreadable = unreadable;
            Undecryptable = undecryptable;
            Skipped = skipped;
        }

        public string Topic { get; }

        public int Files { get; }

        public int Complete { get; }

        public int Incomplete => Files - Complete;

        public long Messages { get; }

        /// <summary>Bytes of the messages' keys and values as the broker holds them.</summary>
        public long Bytes { get; }

        /// <summary>Messages that are not chunk messages (or lie about themselves).</summary>
        public int Unreadable { get; }

        public int Undecryptable { get; }

        /// <summary>Chunk messages of files that -Filter left out.</summary>
        public int Skipped { get; }

        public override string ToString() =>
            $"{Files} file(s) on topic '{Topic}': {Complete} complete, {Incomplete} incomplete; {Messages} message(s), {ByteSize.Format(Bytes)}"
            + (Unreadable > 0 ? $"; {Unreadable} unreadable" : string.Empty)
            + (Undecryptable > 0 ? $"; {Undecryptable} undecryptable" : string.Empty)
            + (Skipped > 0 ? $"; {Skipped} filtered out" : string.Empty) + ".";
    }

    /// <summary>
    /// Every file on a topic, from a scan of what the topic holds now that joins no consumer group and
    /// writes nothing: relative path, size, chunks present of total, every version (by send order, then
    /// mtime), first and last offset, complete or not. Decrypts when a KafkaCrypto node is configured.
    /// </summary>
    public static class TopicInventory
    {
        public static (IReadOnlyList<TopicFile> Files, TopicInventorySummary Summary) Take(KafkaSettings settings, TopicInventoryOptions options, ClientDiagnostics diagnostics, CancellationToken cancellationToken)
        {
            var versions = new Dictionary<string, Dictionary<string, TopicFileVersion>>(StringComparer.Ordinal);
            long messages = 0, bytes = 0;
            int unreadable = 0, undecryptable = 0, skipped = 0;
            using (var scanner = new TopicScanner(settings, options.Topic, diagnostics, options.ConnectTimeout))
            {
                IReadOnlyDictionary<int, WatermarkOffsets> ends = scanner.Partitions(cancellationToken);
                foreach (ScannedMessage message in scanner.Read(ends.ToDictionary(e => e.Key, e => e.Value.Low.Value), ends, cancellationToken))
                {
                    messages++;
                    bytes += message.WireBytes;
                    if (message.Undecryptable != null)
                    {
                        undecryptable++;
                        continue;
                    }
                    DataFileChunk chunk;
                    string relativePath;
                    try
                    {
                        chunk = ChunkMessageDeserializer.Deserialize(message.Value ?? Array.Empty<byte>());
                        relativePath = SafeRelativePath.Resolve(chunk.Subdirectory, chunk.Filename, chunk.FilenameAppend);
                    }
                    catch (OpenMsiStreamException)
                    {
                        unreadable++;
                        continue;
                    }
                    if (options.Filter != null && !options.Filter.IsMatch(relativePath))
                    {
                        skipped++;
                        continue;
                    }
                    if (!versions.TryGetValue(relativePath, out Dictionary<string, TopicFileVersion>? ofFile))
                    {
                        ofFile = new Dictionary<string, TopicFileVersion>(StringComparer.Ordinal);
                        versions[relativePath] = ofFile;
                    }
                    string key = Hex.Lower(chunk.FileHash) + "/" + chunk.TotalChunks;
                    if (!ofFile.TryGetValue(key, out TopicFileVersion? version))
                    {
                        FileMetadata metadata = message.Headers != null && message.Headers.TryGetLastBytes(FileMetadata.HeaderName, out byte[] header)
                            ? FileMetadata.Read(header) ?? FileMetadata.None
                            : FileMetadata.None;
                        version = new TopicFileVersion(Hex.Lower(chunk.FileHash), chunk.TotalChunks, chunk.FileMtime, metadata.Values);
                        ofFile[key] = version;
                    }
                    version.Add(chunk, message);
                }
            }
            List<TopicFile> files = versions
                .Select(f => new TopicFile(options.Topic, f.Key, f.Value.Values.OrderBy(v => v, SendOrder.Instance).ToList()))
                .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
                .ToList();
            return (files, new TopicInventorySummary(options.Topic, files.Count, files.Count(f => f.Complete), messages, bytes, unreadable, undecryptable, skipped));
        }

        /// <summary>Versions in the order they were sent: by timestamp where the broker keeps them, else by offset in one partition, else by mtime.</summary>
        private sealed class SendOrder : IComparer<TopicFileVersion>
        {
            public static readonly SendOrder Instance = new SendOrder();

            public int Compare(TopicFileVersion? x, TopicFileVersion? y)
            {
                if (x!.SentAtUtc.HasValue && y!.SentAtUtc.HasValue && x.SentAtUtc != y.SentAtUtc)
                {
                    return x.SentAtUtc.Value.CompareTo(y.SentAtUtc.Value);
                }
                if (x.Partition >= 0 && x.Partition == y!.Partition)
                {
                    return x.FirstOffset.CompareTo(y.FirstOffset);
                }
                return Nullable.Compare(x.SourceLastWriteTimeUtc, y!.SourceLastWriteTimeUtc);
            }
        }
    }
}
