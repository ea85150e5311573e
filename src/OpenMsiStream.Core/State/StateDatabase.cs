using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Data.Sqlite;
using OpenMsiStream.Native;

namespace OpenMsiStream.State
{
    /// <summary>
    /// A SQLite file holding durable state (what was sent, what was received). SQLite's write-ahead
    /// log with full synchronisation makes every committed transaction survive kill -9 and power loss,
    /// and any file name (tabs, quotes, ';', backslashes, non-ASCII) is just a parameter value.
    /// Several processes may share one file; each waits for the others' short write locks.
    /// </summary>
    internal sealed class StateDatabase : IDisposable
    {
        private readonly object _gate = new object();

        /// <summary>
        /// Commands kept with their statements prepared, by SQL text: SQLite parses and plans a statement
        /// again for every new command, which costs more than running it, and some statements run once
        /// per file (a lookup per new file, a delete per file received).
        /// </summary>
        private readonly Dictionary<string, SqliteCommand> _prepared = new Dictionary<string, SqliteCommand>(StringComparer.Ordinal);

        private StateDatabase(string path, SqliteConnection connection)
        {
            Path = path;
            Connection = connection;
        }

        public string Path { get; }

        /// <summary>The one connection; callers hold <see cref="Gate"/> while they use it.</summary>
        public SqliteConnection Connection { get; }

        public object Gate => _gate;

        /// <summary>Opens (creating if needed) the database at <paramref name="path"/> and applies <paramref name="schema"/>.</summary>
        public static StateDatabase Open(string path, string schema)
        {
            NativeLibraryResolver.EnsureInstalled();
            string full = System.IO.Path.GetFullPath(path);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = full,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = false, // the file is released on Dispose, so tests and restarts can delete or reopen it
                DefaultTimeout = 30,
            }.ToString());
            connection.Open();
            try
            {
                Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;");
                Execute(connection, schema);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
            return new StateDatabase(full, connection);
        }

        /// <summary>
        /// Adds columns that a newer version of a schema has and a database written by an older one lacks
        /// (SQLite has no ADD COLUMN IF NOT EXISTS). <c>Column</c> is a column definition, "name TYPE".
        /// The check and the change are one write transaction, so two processes opening the same file at
        /// once (an uploader starting while Get-MsiUploadState reads) add each column once.
        /// </summary>
        public void AddMissingColumns(IEnumerable<(string Table, string Column)> columns)
        {
            List<(string Table, string Column)> wanted = columns.ToList();
            if (Missing(wanted, transaction: null).Count == 0)
            {
                return; // the usual case: a reader does not take the write lock
            }
            Write(transaction =>
            {
                foreach ((string table, string column) in Missing(wanted, transaction))
                {
                    using SqliteCommand alter = Command($"ALTER TABLE {table} ADD COLUMN {column}", transaction);
                    alter.ExecuteNonQuery();
                }
            });
        }

        private List<(string Table, string Column)> Missing(List<(string Table, string Column)> wanted, SqliteTransaction? transaction)
        {
            lock (_gate)
            {
                var missing = new List<(string Table, string Column)>();
                foreach (IGrouping<string, (string Table, string Column)> table in wanted.GroupBy(c => c.Table))
                {
                    var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    using (SqliteCommand info = Command($"PRAGMA table_info({table.Key})", transaction))
                    using (SqliteDataReader reader = info.ExecuteReader())
                    {
                        while (reader.Read())
                        {
                            existing.Add(reader.GetString(1));
                        }
                    }
                    missing.AddRange(table.Where(c => !existing.Contains(c.Column.Split(' ')[0])));
                }
                return missing;
            }
        }

        /// <summary>Runs <paramref name="work"/> in one transaction under the connection's lock.</summary>
        public T Write<T>(Func<SqliteTransaction, T> work)
        {
            lock (_gate)
            {
                using SqliteTransaction transaction = Connection.BeginTransaction(deferred: false);
                T result = work(transaction);
                transaction.Commit();
                return result;
            }
        }

        public void Write(Action<SqliteTransaction> work) => Write<object?>(transaction =>
        {
            work(transaction);
            return null;
        });

        public SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
        {
            SqliteCommand command = Connection.CreateCommand();
            command.CommandText = sql;
            command.Transaction = transaction;
            return command;
        }

        /// <summary>
        /// As <see cref="Command"/>, for statements that run often: the same command each time, its statement
        /// prepared once, its parameters cleared. Callers hold <see cref="Gate"/> and do not dispose it.
        /// </summary>
        public SqliteCommand Prepared(string sql, SqliteTransaction? transaction = null)
        {
            if (!_prepared.TryGetValue(sql, out SqliteCommand? command))
            {
                command = Connection.CreateCommand();
                command.CommandText = sql;
                _prepared.Add(sql, command);
            }
            command.Transaction = transaction;
            command.Parameters.Clear();
            return command;
        }

        public void Dispose()
        {
            foreach (SqliteCommand command in _prepared.Values)
            {
                command.Dispose();
            }
            _prepared.Clear();
            Connection.Dispose();
        }

        private static void Execute(SqliteConnection connection, string sql)
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }
}
