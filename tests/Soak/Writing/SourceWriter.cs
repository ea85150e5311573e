using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace OpenMsiStream.Soak.Writing
{
    /// <summary>How the writer behaves; sizes in bytes, times in seconds.</summary>
    internal sealed record WriterOptions(int Paths, int HotPaths, long MaxFileSize, long ChunkSize, double SettleTime, double MinPause, double MaxPause, long MaxBackupBytes);

    /// <summary>
    /// Changes the watched directory the way instruments and operators do: creates files (0 B up to
    /// the maximum), grows, truncates and rewrites them in place (same size too), takes content back to an
    /// earlier version (A→B→A, with a new mtime or with the old one, as a restore from backup or `cp -p`
    /// does), and replaces files with copies that have older mtimes. Each completed state is put in the
    /// <see cref="StateLedger"/> before the write starts. A second loop rewrites a few files of one and of
    /// three chunks in place, often and in bursts, so that the uploader's read overlaps rewrites. Two
    /// threads, each owning its own paths.
    /// </summary>
    internal sealed class SourceWriter
    {
        private const long HotFileLength = 300_000;
        private readonly string _root;
        private readonly string _scratch;
        private readonly StateLedger _ledger;
        private readonly WriterOptions _options;
        private readonly List<TrackedFile> _files;
        private readonly List<TrackedFile> _hotFiles;
        private readonly ConcurrentDictionary<string, int> _operations = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        private long _backupBytes;
        private int _scratchCounter;
        private int _mtimeBumps;

        public SourceWriter(string root, string scratch, StateLedger ledger, WriterOptions options, Random random)
        {
            _root = root;
            _scratch = scratch;
            _ledger = ledger;
            _options = options;
            Directory.CreateDirectory(scratch);
            List<string> paths = HostileNames.Make(options.Paths + options.HotPaths, random);
            _files = paths.Take(options.Paths).Select(Track).ToList();
            _hotFiles = paths.Skip(options.Paths).Select(Track).ToList();
        }

        /// <summary>How many operations of each kind completed.</summary>
        public IReadOnlyDictionary<string, int> Operations => _operations;

        /// <summary>Times an operation left the same size and mtime as the state before with other content, so the writer moved the mtime on by a second (otherwise no scan could see the change).</summary>
        public int MtimeBumps => _mtimeBumps;

        /// <summary>The general loop: one operation on a random path, then a pause, until <paramref name="stop"/>.</summary>
        public void Run(Random random, CancellationToken stop)
        {
            // Half the files at once, so that the changes start early; the others appear on the way.
            foreach (TrackedFile file in _files.Take((_files.Count + 1) / 2))
            {
                if (stop.IsCancellationRequested)
                {
                    return;
                }
                Operate(file, random);
            }
            while (!stop.IsCancellationRequested)
            {
                Operate(_files[random.Next(_files.Count)], random);
                Pause(random.NextDouble() * (_options.MaxPause - _options.MinPause) + _options.MinPause, stop);
            }
        }

        /// <summary>
        /// The loop over the often-rewritten files (even ones of one chunk, odd ones of three): a same-size
        /// rewrite in place about once per settle time, or a burst of same-size rewrites, each written in
        /// pieces with the mtime set back to one fixed value (older, or the burst's start) after every piece
        /// (a copy tool that preserves timestamps, rsync --inplace -t) for longer than the settle time. Size and mtime then
        /// stay the same while the content keeps changing, so the uploader reads the file in the middle of
        /// a rewrite; only what a rewrite completes is a state, so a read that mixes two is torn. Each burst
        /// ends with an ordinary rewrite, so that the final content of every file is a change a scan sees.
        /// </summary>
        public void RunHot(Random random, CancellationToken stop)
        {
            for (int i = 0; i < _hotFiles.Count; i++)
            {
                WriteInPlace(_hotFiles[i], Content.Random(random, HotLength(i)), "create (rewritten often)", truncateFirst: true, slow: false, random);
            }
            while (!stop.IsCancellationRequested && _hotFiles.Count > 0)
            {
                Pause(0.2 + random.NextDouble() * (_options.SettleTime + 1), stop);
                if (stop.IsCancellationRequested)
                {
                    break;
                }
                int index = random.Next(_hotFiles.Count);
                TrackedFile file = _hotFiles[index];
                string kind = index % 2 == 0 ? "one chunk" : "three chunks";
                if (random.NextDouble() < 0.4)
                {
                    bool slow = random.NextDouble() < 0.5;
                    WriteInPlace(file, Content.Random(random, file.Length), $"same-size rewrite in place, {(slow ? "in pieces" : "one write")} ({kind})", truncateFirst: false, slow, random);
                    continue;
                }
                // Held at the moment the burst starts (newer than the version before) or at an older time.
                bool older = random.NextDouble() < 0.5;
                DateTime held = older ? DateTime.UtcNow - TimeSpan.FromDays(1 + random.Next(100)) : DateTime.UtcNow;
                var burst = TimeSpan.FromSeconds(_options.SettleTime + 1 + random.NextDouble() * 2);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (clock.Elapsed < burst && !stop.IsCancellationRequested)
                {
                    WriteInPlace(file, Content.Random(random, file.Length), $"same-size rewrite in pieces, mtime held at {(older ? "an older value" : "the burst's start")} after each piece ({kind})", truncateFirst: false, slow: true, random, held, holdMtimeEachPiece: true);
                }
                WriteInPlace(file, Content.Random(random, file.Length), $"same-size rewrite in place after a burst with the mtime held ({kind})", truncateFirst: false, slow: false, random);
            }
        }

        /// <summary>Even hot files fit one chunk (300,000 bytes at the default chunk size), odd ones need three.</summary>
        private long HotLength(int index) => index % 2 == 0 ? Math.Min(HotFileLength, _options.ChunkSize * 4 / 7) : _options.ChunkSize * 2 + _options.ChunkSize / 3;

        private TrackedFile Track(string relativePath) =>
            new TrackedFile(relativePath, Path.Combine(_root, relativePath.Replace('/', Path.DirectorySeparatorChar)));

        private void Operate(TrackedFile file, Random random)
        {
            if (!file.Exists)
            {
                byte[] content = Content.Random(random, RandomSize(random));
                if (random.NextDouble() < 0.5)
                {
                    WriteInPlace(file, content, "create", truncateFirst: true, slow: false, random);
                }
                else
                {
                    ReplaceByRename(file, content, null, "create (written elsewhere, renamed in)");
                }
                return;
            }

            var choices = new List<(double Weight, Action Act)>
            {
                (18, () => Grow(file, random)),
                (8, () => Shrink(file, random)),
                (14, () =>
                {
                    bool slow = file.Length <= (1 << 20) && random.NextDouble() < 0.5;
                    WriteInPlace(file, Content.Random(random, file.Length), slow ? "same-size rewrite in place, in pieces" : "same-size rewrite in place, one write", truncateFirst: false, slow, random);
                }),
                (12, () => WriteInPlace(file, Content.Random(random, RandomSize(random)), "rewrite with a new size", truncateFirst: random.NextDouble() < 0.5, slow: false, random)),
                (10, () => TakeSnapshot(file, random)),
                (10, () =>
                {
                    DateTime older = DateTime.UtcNow - TimeSpan.FromHours(1 + random.NextDouble() * 24 * 30);
                    byte[] content = Content.Random(random, RandomSize(random));
                    if (random.NextDouble() < 0.5)
                    {
                        ReplaceByRename(file, content, older, "replaced by a copy with an older mtime (rename)");
                    }
                    else
                    {
                        WriteInPlace(file, content, "replaced by a copy with an older mtime (in place, then mtime set back)", truncateFirst: true, slow: false, random, older);
                    }
                }),
            };
            if (file.LengthBeforeGrow.HasValue)
            {
                choices.Add((10, () => TruncateBack(file)));
            }
            Snapshot? earlier = file.Snapshots.Where(s => s.Sha512 != file.Sha512).OrderBy(_ => random.Next()).FirstOrDefault();
            if (earlier != null)
            {
                choices.Add((8, () => WriteInPlace(file, File.ReadAllBytes(earlier.CopyPath), "back to an earlier version (new mtime)", truncateFirst: true, slow: false, random)));
                choices.Add((12, () =>
                {
                    if (random.NextDouble() < 0.5)
                    {
                        ReplaceByRename(file, File.ReadAllBytes(earlier.CopyPath), earlier.MtimeUtc, "restored from backup with its older mtime (rename)");
                    }
                    else
                    {
                        WriteInPlace(file, File.ReadAllBytes(earlier.CopyPath), "restored from backup with its older mtime (in place, cp -p)", truncateFirst: true, slow: false, random, earlier.MtimeUtc);
                    }
                }));
            }
            double pick = random.NextDouble() * choices.Sum(c => c.Weight);
            foreach ((double weight, Action act) in choices)
            {
                pick -= weight;
                if (pick <= 0)
                {
                    act();
                    return;
                }
            }
            choices[^1].Act();
        }

        /// <summary>Mostly small and one-chunk files, some of several chunks, a few large ones; now and then empty.</summary>
        private long RandomSize(Random random)
        {
            double r = random.NextDouble();
            long size = r switch
            {
                < 0.03 => 0,
                < 0.10 => random.Next(1, 1024),
                < 0.45 => random.Next(1024, 512 * 1024),
                < 0.75 => random.Next(512 * 1024, 3 << 20),
                < 0.93 => random.Next(3 << 20, 8 << 20),
                _ => random.NextInt64(8 << 20, _options.MaxFileSize + 1),
            };
            return Math.Min(size, _options.MaxFileSize);
        }

        private void Grow(TrackedFile file, Random random)
        {
            long room = _options.MaxFileSize - file.Length;
            if (room <= 0)
            {
                Shrink(file, random);
                return;
            }
            byte[] appended = Content.Random(random, random.NextInt64(1, Math.Min(room, 2 << 20) + 1));
            string sha = Content.Sha512OfPrefixAnd(file.FullPath, file.Length, appended);
            long before = file.Length;
            FileState state = _ledger.Record(file.RelativePath, sha, before + appended.Length, appended.Length, "grow (append)");
            using (SafeFileHandle handle = File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                RandomAccess.Write(handle, appended, before);
            }
            Completed(file, state, before + appended.Length, sha, lengthBeforeGrow: before);
        }

        private void Shrink(TrackedFile file, Random random)
        {
            long length = file.Length == 0 ? 0 : random.NextInt64(0, file.Length);
            Truncate(file, length, "truncate");
        }

        /// <summary>Undoes the latest grow: the content is exactly the state before it (a file that grew and went back).</summary>
        private void TruncateBack(TrackedFile file) => Truncate(file, file.LengthBeforeGrow!.Value, "truncated back to before the last grow");

        private void Truncate(TrackedFile file, long length, string operation)
        {
            string sha = Content.Sha512OfPrefixAnd(file.FullPath, length, Array.Empty<byte>());
            FileState state = _ledger.Record(file.RelativePath, sha, length, 0, operation);
            using (SafeFileHandle handle = File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                RandomAccess.SetLength(handle, length);
            }
            Completed(file, state, length, sha, lengthBeforeGrow: null);
        }

        /// <summary>
        /// Writes <paramref name="content"/> over the file where it is: truncating first (O_TRUNC, then one
        /// write) or writing over the old bytes and then cutting the rest; in one write or, when
        /// <paramref name="slow"/>, in 4 KiB pieces with pauses (an instrument writing progressively); then
        /// the mtime set to <paramref name="mtime"/> when given (cp -p, a restore).
        /// </summary>
        /// <param name="holdMtimeEachPiece">Set the mtime back to <paramref name="mtime"/> after every piece, so that size and mtime never change.</param>
        private void WriteInPlace(TrackedFile file, byte[] content, string operation, bool truncateFirst, bool slow, Random random, DateTime? mtime = null, bool holdMtimeEachPiece = false)
        {
            string sha = Content.Sha512(content);
            FileState state = _ledger.Record(file.RelativePath, sha, content.Length, content.Length, operation);
            Directory.CreateDirectory(Path.GetDirectoryName(file.FullPath)!);
            using (SafeFileHandle handle = File.OpenHandle(file.FullPath, truncateFirst ? FileMode.Create : FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite))
            {
                if (slow)
                {
                    // An instrument writing progressively: about 64 pieces of at least 4 KiB, a pause of
                    // about a millisecond every fourth. Holding the mtime: 8 pieces with a few milliseconds
                    // between them, so that the file is mid-rewrite nearly all the time while the moments
                    // between a piece and its mtime reset (when a stat sees a new mtime) stay rare.
                    int pieces = holdMtimeEachPiece ? 8 : 64;
                    int piece = Math.Max(4096, (content.Length / pieces + 4095) / 4096 * 4096);
                    for (int offset = 0, n = 0; offset < content.Length; offset += piece, n++)
                    {
                        RandomAccess.Write(handle, content.AsSpan(offset, Math.Min(piece, content.Length - offset)), offset);
                        if (holdMtimeEachPiece)
                        {
                            File.SetLastWriteTimeUtc(handle, mtime!.Value);
                            Thread.Sleep(random.Next(2, 7));
                        }
                        else if (n % 4 == 3)
                        {
                            Thread.Sleep(random.Next(0, 2));
                        }
                    }
                }
                else
                {
                    RandomAccess.Write(handle, content, 0);
                }
                if (!truncateFirst)
                {
                    RandomAccess.SetLength(handle, content.Length);
                }
            }
            if (mtime.HasValue)
            {
                File.SetLastWriteTimeUtc(file.FullPath, mtime.Value);
            }
            Completed(file, state, content.Length, sha, lengthBeforeGrow: null, mtimeHeld: holdMtimeEachPiece);
        }

        /// <summary>The copy is written outside the watched directory, given its mtime, and renamed over the file in one step.</summary>
        private void ReplaceByRename(TrackedFile file, byte[] content, DateTime? mtime, string operation)
        {
            string sha = Content.Sha512(content);
            string temporary = Path.Combine(_scratch, "replace-" + Interlocked.Increment(ref _scratchCounter));
            File.WriteAllBytes(temporary, content);
            if (mtime.HasValue)
            {
                File.SetLastWriteTimeUtc(temporary, mtime.Value);
            }
            FileState state = _ledger.Record(file.RelativePath, sha, content.Length, content.Length, operation);
            Directory.CreateDirectory(Path.GetDirectoryName(file.FullPath)!);
            File.Move(temporary, file.FullPath, overwrite: true);
            Completed(file, state, content.Length, sha, lengthBeforeGrow: null);
        }

        /// <summary>A backup (content and mtime) outside the watched directory, for later restores. Changes nothing the uploader sees.</summary>
        private void TakeSnapshot(TrackedFile file, Random random)
        {
            if (file.Length > (8 << 20) || file.Snapshots.Any(s => s.Sha512 == file.Sha512))
            {
                Grow(file, random);
                return;
            }
            string copy = Path.Combine(_scratch, "backup-" + Interlocked.Increment(ref _scratchCounter));
            File.Copy(file.FullPath, copy);
            File.SetLastWriteTimeUtc(copy, file.MtimeUtc);
            file.Snapshots.Add(new Snapshot(copy, file.Sha512, file.Length, file.MtimeUtc));
            Interlocked.Add(ref _backupBytes, file.Length);
            while (file.Snapshots.Count > 3 || (Interlocked.Read(ref _backupBytes) > _options.MaxBackupBytes && file.Snapshots.Count > 1))
            {
                Snapshot oldest = file.Snapshots[0];
                file.Snapshots.RemoveAt(0);
                File.Delete(oldest.CopyPath);
                Interlocked.Add(ref _backupBytes, -oldest.Length);
            }
            _operations.AddOrUpdate("backup copy taken (no change)", 1, (_, n) => n + 1);
        }

        /// <param name="mtimeHeld">A burst that keeps size and mtime on purpose (its last write is an ordinary one).</param>
        private void Completed(TrackedFile file, FileState state, long length, string sha, long? lengthBeforeGrow, bool mtimeHeld = false)
        {
            DateTime mtime = File.GetLastWriteTimeUtc(file.FullPath);
            // A scan sees size and mtime only: other content with both unchanged would be invisible to any
            // uploader (README: such a file is not sent again), so move the mtime on rather than test that.
            if (!mtimeHeld && file.Exists && mtime == file.MtimeUtc && length == file.Length && sha != file.Sha512)
            {
                mtime = mtime.AddSeconds(1);
                File.SetLastWriteTimeUtc(file.FullPath, mtime);
                Interlocked.Increment(ref _mtimeBumps);
            }
            _ledger.Completed(state, mtime);
            file.Exists = true;
            file.Length = length;
            file.Sha512 = sha;
            file.MtimeUtc = mtime;
            file.LengthBeforeGrow = lengthBeforeGrow;
            _operations.AddOrUpdate(state.Operation, 1, (_, n) => n + 1);
        }

        private static void Pause(double seconds, CancellationToken stop) => stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(Math.Max(0, seconds)));
    }
}
