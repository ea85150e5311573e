using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Microsoft.Data.Sqlite;
using OpenMsiStream.Download;
using OpenMsiStream.State;

namespace OpenMsiStream.Processing
{
    public enum ProcessingStatus
    {
        /// <summary>Received and handed to the handler; not finished.</summary>
        Pending,

        /// <summary>The handler finished and its results are on the broker.</summary>
        Processed,

        /// <summary>The handler failed; the content is kept so the file can be processed again.</summary>
        Failed,
    }

    /// <summary>What the processing registry knows about one file (one version of a path).</summary>
    public sealed class ProcessingRecord
    {
        internal ProcessingRecord(string relativePath, string sha512, ProcessingStatus status, int attempts, string? lastError, string? contentPath,
            string keyPrefix, long length, int resultsProduced, DateTimeOffset updatedAt)
        {
            RelativePath = relativePath;
            Sha512 = sha512;
            Status = status;
            Attempts = attempts;
            LastError = lastError;
            ContentPath = contentPath;
            KeyPrefix = keyPrefix;
            Length = length;
            ResultsProduced = resultsProduced;
            UpdatedAt = updatedAt;
        }

        public string RelativePath { get; }

        public string Sha512 { get; }

        public ProcessingStatus Status { get; }

        /// <summary>Times the handler ran for this version.</summary>
        public int Attempts { get; }

        public string? LastError { get; }

        /// <summary>Where a copy of the content is kept for processing it again, if anywhere.</summary>
        public string? ContentPath { get; }

        public long Length { get; }

        public int ResultsProduced { get; }

        public DateTimeOffset UpdatedAt { get; }

        internal string KeyPrefix { get; }

        /// <summary>
        /// Exactly-once results: the file's results were sent in a transaction whose commit was under way,
        /// and the first of them was written here; a restart asks the broker whether it committed.
        /// </summary>
        internal TopicPartitionPosition? Committing { get; init; }
    }

    /// <summary>A partition of the result topic and an offset in it.</summary>
    internal readonly struct TopicPartitionPosition
    {
        public TopicPartitionPosition(int partition, long offset)
        {
            Partition = partition;
            Offset = offset;
        }

        public int Partition { get; }

        public long Offset { get; }

        public override string ToString() => $"partition {Partition}, offset {Offset}";
    }

    /// <summary>
    /// The durable record of a stream processor (one topic and consumer group): which versions of which
    /// files were processed, which failed (and where their content is kept to try again), and which were
    /// handed to the handler but not finished. In <c>processing-registry.db</c> in the state directory.
    /// </summary>
    internal sealed class ProcessingRegistry : IDisposable
    {
        public const string DatabaseFileName = "processing-registry.db";

        private const string Schema = @"
CREATE TABLE IF NOT EXISTS processing(
  topic TEXT NOT NULL, group_id TEXT NOT NULL, rel_path TEXT NOT NULL, sha512 TEXT NOT NULL, status TEXT NOT NULL,
  attempts INTEGER NOT NULL, last_error TEXT, content_path TEXT, key_prefix TEXT NOT NULL, length INTEGER NOT NULL,
  results INTEGER NOT NULL, updated_at TEXT NOT NULL, txn_partition INTEGER, txn_offset INTEGER,
  PRIMARY KEY (topic, group_id, rel_path)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS processor_identity(
  topic TEXT NOT NULL, group_id TEXT NOT NULL, instance_id TEXT NOT NULL,
  PRIMARY KEY (topic, group_id)) WITHOUT ROWID;";

        /// <summary>Columns added after the first release of the table (exactly-once results).</summary>
        private static readonly (string Table, string Column)[] AddedColumns =
        {
            ("processing", "txn_partition INTEGER"),
            ("processing", "txn_offset INTEGER"),
        };

        private const string Columns = "rel_path, sha512, status, attempts, last_error, content_path, key_prefix, length, results, updated_at, txn_partition, txn_offset";

        private readonly StateDatabase _database;
        private readonly string _topic;
        private readonly string _groupId;

        private ProcessingRegistry(StateDatabase database, string topic, string groupId)
        {
            _database = database;
            _topic = topic;
            _groupId = groupId;
        }

        public static ProcessingRegistry Open(string stateDirectory, string topic, string groupId)
        {
            StateDatabase database = StateDatabase.Open(Path.Combine(stateDirectory, DatabaseFileName), Schema);
            try
            {
                database.AddMissingColumns(AddedColumns);
            }
            catch
            {
                database.Dispose();
                throw;
            }
            return new ProcessingRegistry(database, topic, groupId);
        }

        /// <summary>
        /// A random id made the first time this state directory served this topic and group, kept for
        /// good: the part of the processor's transactional.id that tells it apart from processors of the
        /// same group elsewhere (whose state directories may have the same path on another computer).
        /// </summary>
        public string InstanceId() => _database.Write(transaction =>
        {
            using (SqliteCommand query = _database.Command("SELECT instance_id FROM processor_identity WHERE topic = $topic AND group_id = $group", transaction))
            {
                query.Parameters.AddWithValue("$topic", _topic);
                query.Parameters.AddWithValue("$group", _groupId);
                if (query.ExecuteScalar() is string existing)
                {
                    return existing;
                }
            }
            string made = Guid.NewGuid().ToString("N").Substring(0, 12);
            using SqliteCommand insert = _database.Command("INSERT INTO processor_identity(topic, group_id, instance_id) VALUES ($topic, $group, $id)", transaction);
            insert.Parameters.AddWithValue("$topic", _topic);
            insert.Parameters.AddWithValue("$group", _groupId);
            insert.Parameters.AddWithValue("$id", made);
            insert.ExecuteNonQuery();
            return made;
        });

        public ProcessingRecord? Find(string relativePath)
        {
            lock (_database.Gate)
            {
                using SqliteCommand query = _database.Command($"SELECT {Columns} FROM processing WHERE topic = $topic AND group_id = $group AND rel_path = $path");
                AddKey(query, relativePath);
                using SqliteDataReader reader = query.ExecuteReader();
                return reader.Read() ? Read(reader) : null;
            }
        }

        /// <summary>Files handed over but not finished, and files that failed: the work a restart resumes.</summary>
        public IReadOnlyList<ProcessingRecord> Unfinished() => Query("status <> 'Processed' AND txn_offset IS NULL");

        /// <summary>Files whose result transaction was being committed when the last run ended.</summary>
        public IReadOnlyList<ProcessingRecord> Committing() => Query("status = 'Pending' AND txn_offset IS NOT NULL");

        public IReadOnlyList<ProcessingRecord> All() => Query("1 = 1");

        /// <summary>The handler is about to get this file; <paramref name="contentPath"/> is where the content stays until it is done.</summary>
        public void Pending(ReceivedFile file, string? contentPath, int attempts) =>
            Upsert(file.RelativePath, file.Sha512, ProcessingStatus.Pending, attempts, null, contentPath, file.KeyPrefix, file.Length, 0);

        public void Processed(ReceivedFile file, int attempts, int results) =>
            Upsert(file.RelativePath, file.Sha512, ProcessingStatus.Processed, attempts, null, null, file.KeyPrefix, file.Length, results);

        /// <summary>
        /// Exactly-once: the file's results are sent in a transaction that is about to commit, the first at
        /// <paramref name="firstResult"/>. Until it is recorded processed, a restart asks the broker.
        /// </summary>
        public void Committing(ReceivedFile file, string? contentPath, int attempts, int results, TopicPartitionPosition firstResult) =>
            Upsert(file.RelativePath, file.Sha512, ProcessingStatus.Pending, attempts, null, contentPath, file.KeyPrefix, file.Length, results, firstResult);

        /// <summary>A committing record whose transaction committed (<paramref name="committed"/>) or was aborted.</summary>
        public void Settle(ProcessingRecord record, bool committed) =>
            Upsert(record.RelativePath, record.Sha512, committed ? ProcessingStatus.Processed : ProcessingStatus.Pending, record.Attempts, null,
                committed ? null : record.ContentPath, record.KeyPrefix, record.Length, committed ? record.ResultsProduced : 0);

        public void Failed(ReceivedFile file, int attempts, string error, string? contentPath) =>
            Upsert(file.RelativePath, file.Sha512, ProcessingStatus.Failed, attempts, error, contentPath, file.KeyPrefix, file.Length, 0);

        public void Dispose() => _database.Dispose();

        private IReadOnlyList<ProcessingRecord> Query(string condition)
        {
            lock (_database.Gate)
            {
                using SqliteCommand query = _database.Command($"SELECT {Columns} FROM processing WHERE topic = $topic AND group_id = $group AND {condition} ORDER BY rel_path");
                query.Parameters.AddWithValue("$topic", _topic);
                query.Parameters.AddWithValue("$group", _groupId);
                using SqliteDataReader reader = query.ExecuteReader();
                var records = new List<ProcessingRecord>();
                while (reader.Read())
                {
                    records.Add(Read(reader));
                }
                return records;
            }
        }

        private void Upsert(string relativePath, string sha512, ProcessingStatus status, int attempts, string? error, string? contentPath, string keyPrefix, long length, int results,
            TopicPartitionPosition? committing = null) =>
            _database.Write(transaction =>
            {
                using SqliteCommand upsert = _database.Command(
                    $"INSERT OR REPLACE INTO processing(topic, group_id, {Columns}) VALUES ($topic, $group, $path, $sha, $status, $attempts, $error, $content, $prefix, $length, $results, $now, $txnPartition, $txnOffset)", transaction);
                AddKey(upsert, relativePath);
                upsert.Parameters.AddWithValue("$sha", sha512);
                upsert.Parameters.AddWithValue("$status", status.ToString());
                upsert.Parameters.AddWithValue("$attempts", attempts);
                upsert.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$content", (object?)contentPath ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$prefix", keyPrefix);
                upsert.Parameters.AddWithValue("$length", length);
                upsert.Parameters.AddWithValue("$results", results);
                upsert.Parameters.AddWithValue("$now", DateTimeOffset.Now.ToString("o", CultureInfo.InvariantCulture));
                upsert.Parameters.AddWithValue("$txnPartition", (object?)committing?.Partition ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$txnOffset", (object?)committing?.Offset ?? DBNull.Value);
                upsert.ExecuteNonQuery();
            });

        private void AddKey(SqliteCommand command, string relativePath)
        {
            command.Parameters.AddWithValue("$topic", _topic);
            command.Parameters.AddWithValue("$group", _groupId);
            command.Parameters.AddWithValue("$path", relativePath);
        }

        private static ProcessingRecord Read(SqliteDataReader r) => new ProcessingRecord(
            r.GetString(0), r.GetString(1), (ProcessingStatus)Enum.Parse(typeof(ProcessingStatus), r.GetString(2)), r.GetInt32(3),
            r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6), r.GetInt64(7), r.GetInt32(8),
            DateTimeOffset.Parse(r.GetString(9), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind))
        {
            Committing = r.IsDBNull(11) ? (TopicPartitionPosition?)null : new TopicPartitionPosition(r.GetInt32(10), r.GetInt64(11)),
        };
    }
}
