using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.Data.Sqlite;
using OpenMsiStream.State;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// The durable memory of an output directory, in <c>.openmsistream/download-registry.db</c>: which
    /// version of each file was received (so chunks read again after a restart are recognised and not
    /// written twice), and which files are in progress in which staging file with which chunks (so a
    /// restart continues them instead of starting over). Shared safely by receivers on one machine.
    /// </summary>
    internal sealed class DownloadRegistry : IDisposable
    {
        public const string DatabaseFileName = "download-registry.db";

        private const string Schema = @"
CREATE TABLE IF NOT EXISTS received(
  topic TEXT NOT NULL, group_id TEXT NOT NULL, rel_path TEXT NOT NULL, file_hash BLOB NOT NULL, total_chunks INTEGER NOT NULL,
  mtime REAL, sent_at_ms INTEGER, length INTEGER NOT NULL, received_at TEXT NOT NULL,
  PRIMARY KEY (topic, group_id, rel_path)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS staged(
  staging_file TEXT PRIMARY KEY, owner TEXT NOT NULL, topic TEXT NOT NULL, group_id TEXT NOT NULL, rel_path TEXT NOT NULL,
  file_hash BLOB NOT NULL, total_chunks INTEGER NOT NULL, mtime REAL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS staged_chunks(
  staging_file TEXT NOT NULL REFERENCES staged(staging_file) ON DELETE CASCADE ON UPDATE CASCADE,
  offset INTEGER NOT NULL, length INTEGER NOT NULL,
  PRIMARY KEY (staging_file, offset)) WITHOUT ROWID;";

        private readonly StateDatabase _database;
        private readonly string _topic;
        private readonly string _groupId;

        private DownloadRegistry(StateDatabase database, string topic, string groupId)
        {
            _database = database;
            _topic = topic;
            _groupId = groupId;
        }

        /// <summary>
        /// Where each version was sent (<see cref="SendSpan"/>) and the metadata of one in progress, added
        /// after the first release: registries written before have these columns added, empty (such
        /// versions are ordered by time and mtime only).
        /// </summary>
        private static readonly (string Table, string Column)[] SpanColumns =
        {
            ("received", "partition_id INTEGER"), ("received", "first_offset INTEGER"), ("received", "last_offset INTEGER"),
            ("staged", "partition_id INTEGER"), ("staged", "first_offset INTEGER"), ("staged", "last_offset INTEGER"), ("staged", "sent_at_ms INTEGER"),
            ("staged", "metadata BLOB"),
        };

        public static DownloadRegistry Open(string stateDirectory, string topic, string groupId)
        {
            StateDatabase database = StateDatabase.Open(Path.Combine(stateDirectory, DatabaseFileName), Schema);
            try
            {
                database.AddMissingColumns(SpanColumns);
            }
            catch
            {
                database.Dispose();
                throw;
            }
            return new DownloadRegistry(database, topic, groupId);
        }

        /// <summary>
        /// The version of <paramref name="relativePath"/> this topic and group received last (a new group
        /// receives everything again), if any.
        /// </summary>
        public FileGeneration? FindReceived(string relativePath)
        {
            lock (_database.Gate)
            {
                SqliteCommand query = _database.Prepared("SELECT file_hash, total_chunks, mtime, sent_at_ms, partition_id, first_offset, last_offset FROM received WHERE topic = $topic AND group_id = $group AND rel_path = $path");
                AddKey(query, relativePath);
                using SqliteDataReader reader = query.ExecuteReader();
                return reader.Read() ? ReadGeneration(reader, 0) : null;
            }
        }

        /// <summary>Files rebuilt and moved into place: remember their versions and forget their staging, in one transaction.</summary>
        public void Received(IReadOnlyCollection<ReceivedRecord> files)
        {
            if (files.Count == 0)
            {
                return;
            }
            _database.Write(transaction =>
            {
                SqliteCommand upsert = _database.Prepared(
                    "INSERT OR REPLACE INTO received(topic, group_id, rel_path, file_hash, total_chunks, mtime, sent_at_ms, partition_id, first_offset, last_offset, length, received_at) " +
                    "VALUES ($topic, $group, $path, $hash, $count, $mtime, $sent, $partition, $first, $last, $length, $now)", transaction);
                string now = DateTimeOffset.Now.ToString("o", CultureInfo.InvariantCulture);
                foreach (ReceivedRecord file in files)
                {
                    upsert.Parameters.Clear();
                    AddKey(upsert, file.RelativePath);
                    AddGeneration(upsert, file.Generation);
                    upsert.Parameters.AddWithValue("$length", file.Length);
                    upsert.Parameters.AddWithValue("$now", now);
                    upsert.ExecuteNonQuery();
                    if (file.StagingFile != null)
                    {
                        DeleteStaged(transaction, file.StagingFile);
                    }
                }
            });
        }

        /// <summary>
        /// Records chunks that are in staging files and fsynced, one transaction for all files. After a
        /// crash these chunks are known to be on disk and are not written again.
        /// </summary>
        public void Stage(IReadOnlyCollection<StagedChunks> batch)
        {
            if (batch.Count == 0)
            {
                return;
            }
            _database.Write(transaction =>
            {
                using SqliteCommand file = _database.Command(
                    "INSERT INTO staged(staging_file, owner, topic, group_id, rel_path, file_hash, total_chunks, mtime, sent_at_ms, partition_id, first_offset, last_offset, metadata, updated_at) " +
                    "VALUES ($file, $owner, $topic, $group, $path, $hash, $count, $mtime, $sent, $partition, $first, $last, $metadata, $now) " +
                    "ON CONFLICT(staging_file) DO UPDATE SET updated_at = excluded.updated_at, sent_at_ms = excluded.sent_at_ms, " +
                    "partition_id = excluded.partition_id, first_offset = excluded.first_offset, last_offset = excluded.last_offset", transaction);
                using SqliteCommand chunk = _database.Command("INSERT OR IGNORE INTO staged_chunks(staging_file, offset, length) VALUES ($file, $offset, $length)", transaction);
                foreach (StagedChunks staged in batch)
                {
                    file.Parameters.Clear();
                    file.Parameters.AddWithValue("$file", staged.StagingFile);
                    file.Parameters.AddWithValue("$owner", staged.Owner);
                    file.Parameters.AddWithValue("$topic", _topic);
                    file.Parameters.AddWithValue("$group", _groupId);
                    file.Parameters.AddWithValue("$path", staged.RelativePath);
                    AddGeneration(file, staged.Generation);
                    file.Parameters.AddWithValue("$metadata", staged.Generation.Metadata.IsEmpty ? (object)DBNull.Value : staged.Generation.Metadata.Header);
                    file.Parameters.AddWithValue("$now", DateTimeOffset.Now.ToString("o", CultureInfo.InvariantCulture));
                    file.ExecuteNonQuery();
                    foreach (KeyValuePair<long, int> piece in staged.Chunks)
                    {
                        chunk.Parameters.Clear();
                        chunk.Parameters.AddWithValue("$file", staged.StagingFile);
                        chunk.Parameters.AddWithValue("$offset", piece.Key);
                        chunk.Parameters.AddWithValue("$length", piece.Value);
                        chunk.ExecuteNonQuery();
                    }
                }
            });
        }

        /// <summary>
        /// Forgets files in progress of any topic or group whose receiver is gone and that nothing touched
        /// for <paramref name="age"/>; returns their staging files so they can be deleted.
        /// </summary>
        public IReadOnlyList<string> PurgeStale(TimeSpan age, Func<string, bool> ownerIsGone)
        {
            string cutoff = (DateTimeOffset.Now - age).ToString("o", CultureInfo.InvariantCulture);
            var purged = new List<string>();
            _database.Write(transaction =>
            {
                var stale = new List<(string File, string Owner)>();
                using (SqliteCommand query = _database.Command("SELECT staging_file, owner FROM staged WHERE updated_at < $cutoff", transaction))
                {
                    query.Parameters.AddWithValue("$cutoff", cutoff);
                    using SqliteDataReader reader = query.ExecuteReader();
                    while (reader.Read())
                    {
                        stale.Add((reader.GetString(0), reader.GetString(1)));
                    }
                }
                foreach ((string file, string owner) in stale.Where(s => ownerIsGone(s.Owner)))
                {
                    DeleteStaged(transaction, file);
                    purged.Add(file);
                }
            });
            return purged;
        }

        /// <summary>Whether a staging file (relative to the staging root) is recorded for any topic or group.</summary>
        public bool IsStaged(string stagingFile)
        {
            lock (_database.Gate)
            {
                using SqliteCommand query = _database.Command("SELECT 1 FROM staged WHERE staging_file = $file");
                query.Parameters.AddWithValue("$file", stagingFile);
                return query.ExecuteScalar() != null;
            }
        }

        /// <summary>Forgets an abandoned or failed file in progress.</summary>
        public void DropStaged(string stagingFile) => _database.Write(transaction => DeleteStaged(transaction, stagingFile));

        /// <summary>
        /// Takes over files in progress of this topic and group whose receiver is gone
        /// (<paramref name="ownerIsGone"/>): they become <paramref name="newOwner"/>'s, with their staging
        /// files renamed by <paramref name="rename"/>. Returns them with their chunks.
        /// </summary>
        public IReadOnlyList<StagedFile> Adopt(Func<string, bool> ownerIsGone, string newOwner, Func<string, string?> rename)
        {
            var adopted = new List<StagedFile>();
            _database.Write(transaction =>
            {
                var candidates = new List<(string File, string Owner, string Path, FileGeneration Generation)>();
                using (SqliteCommand query = _database.Command("SELECT staging_file, owner, rel_path, file_hash, total_chunks, mtime, sent_at_ms, partition_id, first_offset, last_offset, metadata FROM staged WHERE topic = $topic AND group_id = $group", transaction))
                {
                    query.Parameters.AddWithValue("$topic", _topic);
                    query.Parameters.AddWithValue("$group", _groupId);
                    using SqliteDataReader reader = query.ExecuteReader();
                    while (reader.Read())
                    {
                        candidates.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2),
                            ReadGeneration(reader, 3, reader.IsDBNull(10) ? null : Wire.FileMetadata.Read((byte[])reader.GetValue(10)))));
                    }
                }
                foreach ((string file, string owner, string path, FileGeneration generation) in candidates.Where(c => c.Owner != newOwner && ownerIsGone(c.Owner)))
                {
                    string? moved = rename(file);
                    if (moved == null)
                    {
                        DeleteStaged(transaction, file); // the staging file is gone: the chunks will be read again
                        continue;
                    }
                    using (SqliteCommand update = _database.Command("UPDATE staged SET staging_file = $new, owner = $owner WHERE staging_file = $old", transaction))
                    {
                        update.Parameters.AddWithValue("$new", moved);
                        update.Parameters.AddWithValue("$owner", newOwner);
                        update.Parameters.AddWithValue("$old", file);
                        update.ExecuteNonQuery();
                    }
                    var chunks = new List<KeyValuePair<long, int>>();
                    using (SqliteCommand query = _database.Command("SELECT offset, length FROM staged_chunks WHERE staging_file = $file ORDER BY offset", transaction))
                    {
                        query.Parameters.AddWithValue("$file", moved);
                        using SqliteDataReader reader = query.ExecuteReader();
                        while (reader.Read())
                        {
                            chunks.Add(new KeyValuePair<long, int>(reader.GetInt64(0), reader.GetInt32(1)));
                        }
                    }
                    adopted.Add(new StagedFile(moved, path, generation, chunks));
                }
            });
            return adopted;
        }

        public void Dispose() => _database.Dispose();

        private void AddKey(SqliteCommand command, string relativePath)
        {
            command.Parameters.AddWithValue("$topic", _topic);
            command.Parameters.AddWithValue("$group", _groupId);
            command.Parameters.AddWithValue("$path", relativePath);
        }

        /// <summary>Sets $hash, $count, $mtime, $sent, $partition, $first and $last.</summary>
        private static void AddGeneration(SqliteCommand command, FileGeneration generation)
        {
            SendSpan? span = generation.Span;
            command.Parameters.AddWithValue("$hash", generation.FileHash);
            command.Parameters.AddWithValue("$count", generation.TotalChunks);
            command.Parameters.AddWithValue("$mtime", (object?)generation.Mtime ?? DBNull.Value);
            command.Parameters.AddWithValue("$sent", span?.SentAtUtc is DateTime sent ? new DateTimeOffset(sent, TimeSpan.Zero).ToUnixTimeMilliseconds() : (object)DBNull.Value);
            command.Parameters.AddWithValue("$partition", span != null ? span.Partition : (object)DBNull.Value);
            command.Parameters.AddWithValue("$first", span != null ? span.FirstOffset : (object)DBNull.Value);
            command.Parameters.AddWithValue("$last", span != null ? span.LastOffset : (object)DBNull.Value);
        }

        /// <summary>Reads file_hash, total_chunks, mtime, sent_at_ms, partition_id, first_offset, last_offset from column <paramref name="first"/> on.</summary>
        private static FileGeneration ReadGeneration(SqliteDataReader reader, int first, Wire.FileMetadata? metadata = null)
        {
            double? mtime = reader.IsDBNull(first + 2) ? (double?)null : reader.GetDouble(first + 2);
            DateTime? sentAt = reader.IsDBNull(first + 3) ? (DateTime?)null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 3)).UtcDateTime;
            SendSpan? span = !reader.IsDBNull(first + 4) ? new SendSpan(reader.GetInt32(first + 4), reader.GetInt64(first + 5), reader.GetInt64(first + 6), sentAt)
                : sentAt.HasValue ? new SendSpan(SendSpan.SeveralPartitions, 0, 0, sentAt) // recorded before offsets were kept
                : null;
            return new FileGeneration((byte[])reader.GetValue(first), reader.GetInt32(first + 1), mtime, span, metadata);
        }

        private void DeleteStaged(SqliteTransaction transaction, string stagingFile)
        {
            SqliteCommand delete = _database.Prepared("DELETE FROM staged WHERE staging_file = $file", transaction);
            delete.Parameters.AddWithValue("$file", stagingFile);
            delete.ExecuteNonQuery();
        }
    }

    /// <summary>Chunks of one staged file to record.</summary>
    internal sealed class StagedChunks
    {
        public StagedChunks(string stagingFile, string owner, string relativePath, FileGeneration generation, IReadOnlyList<KeyValuePair<long, int>> chunks)
        {
            StagingFile = stagingFile;
            Owner = owner;
            RelativePath = relativePath;
            Generation = generation;
            Chunks = chunks;
        }

        /// <summary>Path of the staging file relative to the staging root.</summary>
        public string StagingFile { get; }

        public string Owner { get; }

        public string RelativePath { get; }

        public FileGeneration Generation { get; }

        /// <summary>Offset and length of each chunk stored.</summary>
        public IReadOnlyList<KeyValuePair<long, int>> Chunks { get; }
    }

    /// <summary>A file in progress found in the registry at start.</summary>
    internal sealed class StagedFile
    {
        public StagedFile(string stagingFile, string relativePath, FileGeneration generation, IReadOnlyList<KeyValuePair<long, int>> chunks)
        {
            StagingFile = stagingFile;
            RelativePath = relativePath;
            Generation = generation;
            Chunks = chunks;
        }

        public string StagingFile { get; }

        public string RelativePath { get; }

        public FileGeneration Generation { get; }

        public IReadOnlyList<KeyValuePair<long, int>> Chunks { get; }
    }

    /// <summary>A file received, to record.</summary>
    internal sealed class ReceivedRecord
    {
        public ReceivedRecord(string relativePath, FileGeneration generation, long length, string? stagingFile)
        {
            RelativePath = relativePath;
            Generation = generation;
            Length = length;
            StagingFile = stagingFile;
        }

        public string RelativePath { get; }

        public FileGeneration Generation { get; }

        public long Length { get; }

        public string? StagingFile { get; }
    }
}
