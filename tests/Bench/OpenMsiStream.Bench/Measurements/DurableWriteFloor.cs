using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace OpenMsiStream.Bench.Measurements
{
    /// <summary>
    /// The durable-write floor of the disk the receiver writes to, for small files, without Kafka: what
    /// it costs to make a file survive a power cut as the receiver does (write, fsync the file, rename it
    /// into place, fsync the directory, record it in SQLite with synchronous=FULL). One file at a time,
    /// and in groups (fsyncs of a group issued together, one directory fsync and one transaction per group).
    /// </summary>
    internal static class DurableWriteFloor
    {
        private const int FileSize = 10 * 1024;

        /// <param name="groupSize">Files per group; 1 is one file at a time.</param>
        /// <param name="parallelFsyncs">fsync calls issued at once within a group.</param>
        public static Figure Measure(string workDirectory, int files, int groupSize, int parallelFsyncs)
        {
            string directory = Path.Combine(workDirectory, "floor-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(directory);
            byte[] data = new byte[FileSize];
            new Random(5).NextBytes(data);
            using var database = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "floor.db"), Pooling = false }.ToString());
            database.Open();
            Execute(database, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE received(rel_path TEXT PRIMARY KEY, file_hash BLOB, length INTEGER) WITHOUT ROWID;");
            byte[] hash = new byte[64];
            var clock = Stopwatch.StartNew();
            for (int first = 0; first < files; first += groupSize)
            {
                int count = Math.Min(groupSize, files - first);
                var streams = new FileStream[count];
                for (int i = 0; i < count; i++)
                {
                    streams[i] = new FileStream(Path.Combine(directory, $"f{first + i}.part"), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1);
                    streams[i].Write(data, 0, data.Length);
                }
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelFsyncs }, i => streams[i].Flush(flushToDisk: true));
                for (int i = 0; i < count; i++)
                {
                    streams[i].Dispose();
                    File.Move(Path.Combine(directory, $"f{first + i}.part"), Path.Combine(directory, $"f{first + i}.dat"));
                }
                SyncDirectory(directory);
                using SqliteTransaction transaction = database.BeginTransaction();
                using SqliteCommand insert = database.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO received VALUES ($path, $hash, $length)";
                SqliteParameter path = insert.Parameters.Add("$path", SqliteType.Text);
                insert.Parameters.AddWithValue("$hash", hash);
                insert.Parameters.AddWithValue("$length", FileSize);
                for (int i = 0; i < count; i++)
                {
                    path.Value = $"f{first + i}.dat";
                    insert.ExecuteNonQuery();
                }
                transaction.Commit();
            }
            TimeSpan elapsed = clock.Elapsed;
            database.Close();
            string name = groupSize == 1
                ? $"Durable-write floor, one file at a time: {files} files of 10 KiB written, fsynced, renamed, directory fsynced, one SQLite commit each"
                : $"Durable-write floor, group commit: {files} files of 10 KiB in groups of {groupSize} ({parallelFsyncs} fsyncs at once, one directory fsync and one SQLite commit per group)";
            return new Figure(name, "-", (long)files * FileSize, files, elapsed);
        }

        private static void Execute(SqliteConnection connection, string sql)
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        private static void SyncDirectory(string directory)
        {
            int fd = open(directory, 0);
            if (fd >= 0)
            {
                fsync(fd);
                close(fd);
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int open(string path, int flags);

        [DllImport("libc", SetLastError = true)]
        private static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        private static extern int close(int fd);
    }
}
