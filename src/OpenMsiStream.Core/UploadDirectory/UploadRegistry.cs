using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.State;

namespace OpenMsiStream.UploadDirectory
{
    /// <summary>
    /// The durable record of a watched directory's uploads to one topic: for every file, the version
    /// last sent (size, mtime, SHA-512, chunk size), which of its chunks the broker acknowledged, and
    /// failures. Kept in SQLite in the state directory, so it survives kill -9 and power loss and holds
    /// any file name; memory does not grow with the number of files.
    /// </summary>
    public sealed class UploadRegistry : IDisposable
    {
        public const string DatabaseFileName = "upload-registry.db";

        private const string Schema = @"
CREATE TABLE IF NOT EXISTS uploads(
  topic TEXT NOT NULL, rel_path TEXT NOT NULL, status TEXT NOT NULL,
  length INTEGER NOT NULL, mtime_ticks INTEGER NOT NULL, file_hash BLOB,
  chunk_size INTEGER NOT NULL, chunk_count INTEGER NOT NULL,
  acked BLOB NOT NULL, acked_count INTEGER NOT NULL,
  partition INTEGER, generation INTEGER NOT NULL,
  started_at TEXT, completed_at TEXT, updated_at TEXT NOT NULL,
  last_error TEXT, attempts INTEGER NOT NULL,
  PRIMARY KEY (topic, rel_path)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS watched(topic TEXT PRIMARY KEY, directory TEXT NOT NULL, first_started_at TEXT NOT NULL);";

        /// <summary>
        /// Added after the first release, when the first start became recorded before the first scan
        /// instead of after it: rows written before are directories whose first scan was done.
        /// </summary>
        private static readonly (string Table, string Column)[] AddedColumns = { ("watched", "baseline_done INTEGER NOT NULL DEFAULT 1") };

        private const string Columns = "topic, rel_path, status, length, mtime_ticks, file_hash, chunk_size, chunk_count, acked, acked_count, partition, generation, started_at, completed_at, updated_at, last_error, attempts";

        private readonly StateDatabase _database;
        private readonly string _topic;
        private readonly string? _watchedDirectory;
        private readonly FileStream? _runLock;

        private UploadRegistry(StateDatabase database, string topic, bool isFirstStart, string stateDirectory, string? watchedDirectory = null, FileStream? runLock = null, DateTime? firstStartedAtUtc = null)
        {
            _database = database;
            _topic = topic;
            IsFirstStart = isFirstStart;
            FirstStartedAtUtc = firstStartedAtUtc ?? DateTime.UtcNow;
            StateDirectory = stateDirectory;
            _watchedDirectory = watchedDirectory;
            _runLock = runLock;
        }

        /// <summary>
        /// True until a run of the uploader finished its first scan of this directory for this topic: the
        /// files present then are recorded as already there (unless -UploadExisting).
        /// </summary>
        public bool IsFirstStart { get; }

        /// <summary>
        /// When an uploader first started on this directory for this topic, recorded before it connects,
        /// so files written after a first run that could not reach the broker (or was killed before its
        /// first scan) still count as new at the next start.
        /// </summary>
        public DateTime FirstStartedAtUtc { get; }

        public string StateDirectory { get; }

        /// <summary>
        /// Where the state of a watched directory lives unless a state directory is given:
        /// <c>uploads/&lt;name&gt;-&lt;hash&gt;</c> under <see cref="AppData.Root"/> (the user's local
        /// application data, or $OPENMSISTREAM_HOME, which a service points at its own data directory),
        /// one folder per watched directory. Outside the watched directory, so it is never uploaded and
        /// works when the directory is a read-only share.
        /// </summary>
        public static string DefaultStateDirectory(string watchedDirectory)
        {
            string full = Path.GetFullPath(watchedDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            string name = new string(Path.GetFileName(full).Select(c => char.IsLetterOrDigit(c) || c == '-' || c == '_' ? c : '_').ToArray());
            using SHA256 sha = SHA256.Create();
            string id = Hex.Lower(sha.ComputeHash(Encoding.UTF8.GetBytes(full))).Substring(0, 12);
            return Path.Combine(AppData.Root(), "uploads", (name.Length == 0 ? "root" : name) + "-" + id);
        }

        /// <summary>
        /// Opens (creating if needed) the registry in <paramref name="stateDirectory"/> for uploads of
        /// <paramref name="watchedDirectory"/> to <paramref name="topic"/>, and takes the exclusive lock
        /// that keeps a second uploader of the same directory and topic from running at the same time.
        /// </summary>
        public static UploadRegistry Open(string stateDirectory, string watchedDirectory, string topic)
        {
            string fullState = Path.GetFullPath(stateDirectory);
            string fullWatched = Path.GetFullPath(watchedDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            StateFolder.Create(fullState, "the state directory", ErrorIds.StateDirectoryUnusable);
            FileStream runLock = TakeRunLock(fullState, topic, fullWatched);
            StateDatabase? database = null;
            try
            {
                database = OpenDatabase(fullState);
                (string Directory, string FirstStartedAt, bool BaselineDone) watched = RecordStart(database, topic, fullWatched);
                if (!string.Equals(watched.Directory, fullWatched, PathComparison))
                {
                    throw new OpenMsiStreamException(ErrorIds.StateDirectoryInUse,
                        $"State directory '{fullState}' already records uploads of '{watched.Directory}' to topic '{topic}'; give '{fullWatched}' a state directory of its own (-StateDirectory).", target: fullState);
                }
                DateTime firstStarted = DateTimeOffset.Parse(watched.FirstStartedAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).UtcDateTime;
                return new UploadRegistry(database, topic, !watched.BaselineDone, fullState, fullWatched, runLock, firstStarted);
            }
            catch
            {
                database?.Dispose();
                runLock.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Records that the directory's first scan is complete. Until then every start counts as the
        /// first, so a first run that dies before its files are recorded as present does not make them
        /// look new (and sent) at the next start.
        /// </summary>
        internal void MarkBaselineDone()
        {
            _database.Write(transaction =>
            {
                using SqliteCommand update = _database.Command("UPDATE watched SET baseline_done = 1 WHERE topic = $topic", transaction);
                update.Parameters.AddWithValue("$topic", _topic);
                update.ExecuteNonQuery();
            });
        }

        /// <summary>
        /// Records this start as the first for the topic unless one was recorded before (durably, before
        /// anything else happens), and returns the directory, first start and baseline state on record.
        /// </summary>
        private static (string Directory, string FirstStartedAt, bool BaselineDone) RecordStart(StateDatabase database, string topic, string watchedDirectory) =>
            database.Write(transaction =>
            {
                using (SqliteCommand insert = database.Command("INSERT OR IGNORE INTO watched(topic, directory, first_started_at, baseline_done) VALUES ($topic, $directory, $now, 0)", transaction))
                {
                    insert.Parameters.AddWithValue("$topic", topic);
                    insert.Parameters.AddWithValue("$directory", watchedDirectory);
                    insert.Parameters.AddWithValue("$now", Now());
                    insert.ExecuteNonQuery();
                }
                using SqliteCommand query = database.Command("SELECT directory, first_started_at, baseline_done FROM watched WHERE topic = $topic", transaction);
                query.Parameters.AddWithValue("$topic", topic);
                using SqliteDataReader reader = query.ExecuteReader();
                reader.Read();
                return (reader.GetString(0), reader.GetString(1), reader.GetInt64(2) != 0);
            });

        private static StateDatabase OpenDatabase(string stateDirectory)
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
            return database;
        }

        private static FileStream TakeRunLock(string stateDirectory, string topic, string watched)
        {
            string lockPath = Path.Combine(stateDirectory, "uploader-" + topic + ".lock");
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex)
            {
                throw new OpenMsiStreamException(ErrorIds.StateDirectoryInUse,
                    $"Another uploader is already sending '{watched}' to topic '{topic}' with state directory '{stateDirectory}'; only one may run at a time.", ex, stateDirectory);
            }
        }

        private static StringComparison PathComparison => FileSystem.PathRules.Comparison;

        /// <summary>Opens an existing registry to read it; null when there is none.</summary>
        public static UploadRegistry? OpenExisting(string stateDirectory, string topic)
        {
            if (!File.Exists(Path.Combine(stateDirectory, DatabaseFileName)))
            {
                return null;
            }
            StateDatabase database = OpenDatabase(stateDirectory);
            return new UploadRegistry(database, topic, false, Path.GetFullPath(stateDirectory));
        }

        /// <summary>Topics this state directory has records for.</summary>
        public static IReadOnlyList<string> Topics(string stateDirectory)
        {
            if (!File.Exists(Path.Combine(stateDirectory, DatabaseFileName)))
            {
                return Array.Empty<string>();
            }
            using StateDatabase database = OpenDatabase(stateDirectory);
            lock (database.Gate)
            {
                using SqliteCommand query = database.Command("SELECT topic FROM watched UNION SELECT DISTINCT topic FROM uploads ORDER BY topic");
                using SqliteDataReader reader = query.ExecuteReader();
                var topics = new List<string>();
                while (reader.Read())
                {
                    topics.Add(reader.GetString(0));
                }
                return topics;
            }
        }

        public UploadRecord? Find(string relativePath)
        {
            lock (_database.Gate)
            {
                using SqliteCommand query = _database.Command($"SELECT {Columns} FROM uploads WHERE topic = $topic AND rel_path = $path");
                query.Parameters.AddWithValue("$topic", _topic);
                query.Parameters.AddWithValue("$path", relativePath);
                using SqliteDataReader reader = query.ExecuteReader();
                return reader.Read() ? Read(reader) : null;
            }
        }

        /// <summary>
        /// The records of the files directly in one directory (POSIX, relative; "" for the top), keyed by
        /// path: one query per directory a scan visits, not one per file.
        /// </summary>
        internal Dictionary<string, UploadRecord> FindChildren(string relativeDirectory)
        {
            var records = new Dictionary<string, UploadRecord>(StringComparer.Ordinal);
            string prefix = relativeDirectory.Length == 0 ? string.Empty : relativeDirectory + "/";
            lock (_database.Gate)
            {
                // A range on the primary key: every path starting with "dir/" sorts between "dir/" and
                // "dir0" ('0' follows '/'), whatever characters come after.
                string sql = $"SELECT {Columns} FROM uploads WHERE topic = $topic" +
                    (prefix.Length == 0 ? "" : " AND rel_path >= $from AND rel_path < $to") +
                    " AND instr(substr(rel_path, $start), '/') = 0";
                using SqliteCommand query = _database.Command(sql);
                query.Parameters.AddWithValue("$topic", _topic);
                query.Parameters.AddWithValue("$start", prefix.Length + 1);
                if (prefix.Length > 0)
                {
                    query.Parameters.AddWithValue("$from", prefix);
                    query.Parameters.AddWithValue("$to", prefix.Substring(0, prefix.Length - 1) + "0");
                }
                using SqliteDataReader reader = query.ExecuteReader();
                while (reader.Read())
                {
                    UploadRecord record = Read(reader);
                    records[record.RelativePath] = record;
                }
            }
            return records;
        }

        /// <summary>Every record for this topic, optionally only those with <paramref name="status"/>, by path.</summary>
        public IReadOnlyList<UploadRecord> All(UploadStatus? status = null)
        {
            lock (_database.Gate)
            {
                using SqliteCommand query = _database.Command($"SELECT {Columns} FROM uploads WHERE topic = $topic" + (status.HasValue ? " AND status = $status" : "") + " ORDER BY rel_path");
                query.Parameters.AddWithValue("$topic", _topic);
                if (status.HasValue)
                {
                    query.Parameters.AddWithValue("$status", status.Value.ToString());
                }
                using SqliteDataReader reader = query.ExecuteReader();
                var records = new List<UploadRecord>();
                while (reader.Read())
                {
                    records.Add(Read(reader));
                }
                return records;
            }
        }

        /// <summary>
        /// Writes records (new or replacing the ones for the same path) in one transaction. The
        /// uploader batches its changes through here a few times a second, so thousands of small files
        /// do not each cost a synchronous disk write.
        /// </summary>
        internal void Save(IReadOnlyCollection<UploadRecord> records)
        {
            if (records.Count == 0)
            {
                return;
            }
            _database.Write(transaction =>
            {
                using SqliteCommand upsert = _database.Command($"INSERT OR REPLACE INTO uploads({Columns}) VALUES ($topic, $path, $status, $length, $mtime, $hash, $chunkSize, $chunkCount, $acked, $ackedCount, $partition, $generation, $started, $completed, $updated, $error, $attempts)", transaction);
                var p = new Dictionary<string, SqliteParameter>();
                foreach (string name in new[] { "$topic", "$path", "$status", "$length", "$mtime", "$hash", "$chunkSize", "$chunkCount", "$acked", "$ackedCount", "$partition", "$generation", "$started", "$completed", "$updated", "$error", "$attempts" })
                {
                    // No declared type: each value binds as what it is (integer, text, blob, null).
                    SqliteParameter parameter = upsert.CreateParameter();
                    parameter.ParameterName = name;
                    upsert.Parameters.Add(parameter);
                    p[name] = parameter;
                }
                foreach (UploadRecord r in records)
                {
                    p["$topic"].Value = _topic;
                    p["$path"].Value = r.RelativePath;
                    p["$status"].Value = r.Status.ToString();
                    p["$length"].Value = r.Length;
                    p["$mtime"].Value = r.LastWriteTimeUtc.Ticks;
                    p["$hash"].Value = (object?)r.FileHash ?? DBNull.Value;
                    p["$chunkSize"].Value = r.ChunkSize;
                    p["$chunkCount"].Value = r.ChunkCount;
                    p["$acked"].Value = r.Acknowledged;
                    p["$ackedCount"].Value = r.ChunksAcknowledged;
                    p["$partition"].Value = (object?)r.Partition ?? DBNull.Value;
                    p["$generation"].Value = r.Generation;
                    p["$started"].Value = (object?)Format(r.StartedAt) ?? DBNull.Value;
                    p["$completed"].Value = (object?)Format(r.CompletedAt) ?? DBNull.Value;
                    p["$updated"].Value = Format(r.UpdatedAt)!;
                    p["$error"].Value = (object?)r.LastError ?? DBNull.Value;
                    p["$attempts"].Value = r.Attempts;
                    upsert.ExecuteNonQuery();
                }
            });
        }

        public void Dispose()
        {
            _database.Dispose();
            _runLock?.Dispose();
        }

        private static UploadRecord Read(SqliteDataReader r) => new UploadRecord(
            r.GetString(0), r.GetString(1), (UploadStatus)Enum.Parse(typeof(UploadStatus), r.GetString(2)),
            r.GetInt64(3), r.GetInt64(4), r.IsDBNull(5) ? null : (byte[])r.GetValue(5),
            r.GetInt32(6), r.GetInt32(7), (byte[])r.GetValue(8), r.GetInt32(9), r.IsDBNull(10) ? (int?)null : r.GetInt32(10), r.GetInt32(11),
            Parse(r, 12), Parse(r, 13), Parse(r, 14) ?? DateTimeOffset.MinValue, r.IsDBNull(15) ? null : r.GetString(15), r.GetInt32(16));

        private static DateTimeOffset? Parse(SqliteDataReader reader, int column) =>
            reader.IsDBNull(column) ? (DateTimeOffset?)null : DateTimeOffset.Parse(reader.GetString(column), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

        private static string? Format(DateTimeOffset? time) => time?.ToString("o", CultureInfo.InvariantCulture);

        private static string Now() => DateTimeOffset.Now.ToString("o", CultureInfo.InvariantCulture);
    }
}
