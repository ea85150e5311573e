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
  results INTEGER NOT NULL, updated_at TEXT NOT NULL,
  PRIMARY KEY (topic, group_id, rel_path)) WITHOUT ROWID;";

        private const string Columns = "rel_path, sha512, status, attempts, last_error, content_path, key_prefix, length, results, updated_at";

        private readonly StateDatabase _database;
        private readonly string _topic;
        private readonly string _groupId;

        private ProcessingRegistry(StateDatabase database, string topic, string groupId)
        {
            _database = database;
            _topic = topic;
            _groupId = groupId;
        }

        public static ProcessingRegistry Open(string stateDirectory, string topic, string groupId) =>
            new ProcessingRegistry(StateDatabase.Open(Path.Combine(stateDirectory, DatabaseFileName), Schema), topic, groupId);

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
        public IReadOnlyList<ProcessingRecord> Unfinished() => Query("status <> 'Processed'");

        public IReadOnlyList<ProcessingRecord> All() => Query("1 = 1");

        /// <summary>The handler is about to get this file; <paramref name="contentPath"/> is where the content stays until it is done.</summary>
        public void Pending(ReceivedFile file, string? contentPath, int attempts) =>
            Upsert(file.RelativePath, file.Sha512, ProcessingStatus.Pending, attempts, null, contentPath, file.KeyPrefix, file.Length, 0);

        public void Processed(ReceivedFile file, int attempts, int results) =>
            Upsert(file.RelativePath, file.Sha512, ProcessingStatus.Processed, attempts, null, null, file.KeyPrefix, file.Length, results);

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

        private void Upsert(string relativePath, string sha512, ProcessingStatus status, int attempts, string? error, string? contentPath, string keyPrefix, long length, int results) =>
            _database.Write(transaction =>
            {
                using SqliteCommand upsert = _database.Command(
                    $"INSERT OR REPLACE INTO processing(topic, group_id, {Columns}) VALUES ($topic, $group, $path, $sha, $status, $attempts, $error, $content, $prefix, $length, $results, $now)", transaction);
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
            DateTimeOffset.Parse(r.GetString(9), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
    }
}
