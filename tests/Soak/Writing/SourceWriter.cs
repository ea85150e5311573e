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
    /// does), and replaces files with copies that have older mtimes. A second loop rewrites a few files
    /// (of one chunk and of three) in place about once per settle time, each time with one slow write
    /// system call (<see cref="ColdSourceWrite"/>), so that the uploader's read sometimes overlaps it.
    /// <para>
    /// A state is the content a path holds between two of the writer's system calls: the result of an
    /// operation, and also what an operation of several calls leaves on the way (the empty file after
    /// O_TRUNC, new bytes followed by the old tail before the cut, each piece of a rewrite in pieces).
    /// Every state goes into the <see cref="StateLedger"/> before the call that makes it. Content that
    /// is no state can only come from a read that overlapped a write call: a torn read.
    /// </para>
    /// Two threads, each owning its own paths.
    /// </summary>
    internal sealed class SourceWriter
    {
        private const long HotFileLength = 500_000;
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
        /// The loop over the often-rewritten files (even ones of one chunk, odd ones of three): each is
        /// rewritten in place with content of the same size by one slow write call (<see cref="ColdSourceWrite"/>),
        /// every settle time plus 0.5 to 2 s, and also, most times, right when some process opens it a
        /// while after its last rewrite: that is the uploader about to read a file it found settled, and
        /// the moment a real writer's rewrite would, by bad luck, overlap its read.
        /// </summary>
        public void RunHot(Random random, CancellationToken stop)
        {
            int count = _hotFiles.Count;
            if (count == 0)
            {
                return;
            }
            var due = new DateTime[count];
            var lastWrite = new DateTime[count];
            var prepared = new ColdSourceWrite?[count];
            try
            {
                for (int i = 0; i < count; i++)
                {
                    WriteInPlace(_hotFiles[i], Content.Random(random, HotLength(i)), "create (rewritten often)", WriteMode.TruncateThenWrite, random);
                    lastWrite[i] = DateTime.UtcNow;
                    due[i] = lastWrite[i] + NextHotDelay(random);
                    prepared[i] = new ColdSourceWrite(Content.Random(random, _hotFiles[i].Length), Path.Combine(_scratch, "cold-source-" + i));
                }
                using var opens = new OpenWatch(_hotFiles.Select(f => f.FullPath).ToList());
                while (!stop.IsCancellationRequested)
                {
                    int soonest = Array.IndexOf(due, due.Min());
                    int opened = opens.Take(due[soonest] - DateTime.UtcNow, stop);
                    if (stop.IsCancellationRequested)
                    {
                        break;
                    }
                    int index = opened >= 0 ? opened : soonest;
                    // An open soon after a rewrite is the writer's own, or not a read of a settled file;
                    // some opens are let through, so that versions also go out undisturbed.
                    if (opened >= 0 && (DateTime.UtcNow - lastWrite[index] < TimeSpan.FromSeconds(_options.SettleTime / 2) || random.NextDouble() < 0.3))
                    {
                        continue;
                    }
                    TrackedFile file = _hotFiles[index];
                    ColdSourceWrite next = prepared[index]!;
                    FileState state = _ledger.Record(file.RelativePath, next.Sha512, next.Content.Length, next.Content.Length,
                        $"same-size rewrite in place, one slow write call, {(opened >= 0 ? "as it was opened" : "on schedule")} ({(index % 2 == 0 ? "one chunk" : "three chunks")})");
                    next.WriteTo(file.FullPath);
                    Completed(file, state, next.Content.Length, next.Sha512, lengthBeforeGrow: null);
                    lastWrite[index] = DateTime.UtcNow;
                    due[index] = lastWrite[index] + NextHotDelay(random);
                    next.Dispose();
                    prepared[index] = new ColdSourceWrite(Content.Random(random, file.Length), Path.Combine(_scratch, "cold-source-" + index));
                }
            }
            finally
            {
                foreach (ColdSourceWrite? p in prepared)
                {
                    p?.Dispose();
                }
            }
        }

        private TimeSpan NextHotDelay(Random random) => TimeSpan.FromSeconds(_options.SettleTime + 0.5 + random.NextDouble() * 1.5);

        /// <summary>Even hot files fit one chunk (500,000 bytes at the default chunk size), odd ones need three.</summary>
        private long HotLength(int index) => index % 2 == 0 ? Math.Min(HotFileLength, _options.ChunkSize * 19 / 20) : _options.ChunkSize * 2 + _options.ChunkSize / 3;

        private TrackedFile Track(string relativePath) =>
            new TrackedFile(relativePath, Path.Combine(_root, relativePath.Replace('/', Path.DirectorySeparatorChar)));

        private void Operate(TrackedFile file, Random random)
        {
            if (!file.Exists)
            {
                byte[] content = Content.Random(random, RandomSize(random));
                if (random.NextDouble() < 0.5)
                {
                    WriteInPlace(file, content, "create", WriteMode.TruncateThenWrite, random);
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
                    bool pieces = file.Length <= (1 << 20) && random.NextDouble() < 0.5;
                    WriteInPlace(file, Content.Random(random, file.Length), pieces ? "same-size rewrite in place, in 16 pieces" : "same-size rewrite in place, one write", pieces ? WriteMode.Pieces : WriteMode.OverwriteThenCut, random);
                }),
                (12, () => WriteInPlace(file, Content.Random(random, RandomSize(random)), "rewrite with a new size", random.NextDouble() < 0.5 ? WriteMode.TruncateThenWrite : WriteMode.OverwriteThenCut, random)),
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
                        WriteInPlace(file, content, "replaced by a copy with an older mtime (in place, then mtime set back)", WriteMode.TruncateThenWrite, random, older);
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
                choices.Add((8, () => WriteInPlace(file, File.ReadAllBytes(earlier.CopyPath), "back to an earlier version (new mtime)", WriteMode.TruncateThenWrite, random)));
                choices.Add((12, () =>
                {
                    if (random.NextDouble() < 0.5)
                    {
                        ReplaceByRename(file, File.ReadAllBytes(earlier.CopyPath), earlier.MtimeUtc, "restored from backup with its older mtime (rename)");
                    }
                    else
                    {
                        WriteInPlace(file, File.ReadAllBytes(earlier.CopyPath), "restored from backup with its older mtime (in place, cp -p)", WriteMode.TruncateThenWrite, random, earlier.MtimeUtc);
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

        /// <summary>How an in-place write reaches the disk, and so which states it passes through.</summary>
        private enum WriteMode
        {
            /// <summary>O_TRUNC, then one write: the file is empty in between.</summary>
            TruncateThenWrite,

            /// <summary>One write over the old bytes, then the cut to the new length: new bytes and the old tail in between.</summary>
            OverwriteThenCut,

            /// <summary>Same size, 16 writes with short pauses (an instrument writing progressively): each piece is a state.</summary>
            Pieces,
        }

        /// <summary>
        /// Writes <paramref name="content"/> over the file where it is, recording every state it passes
        /// through first; then sets the mtime to <paramref name="mtime"/> when given (cp -p, a restore).
        /// </summary>
        private void WriteInPlace(TrackedFile file, byte[] content, string operation, WriteMode mode, Random random, DateTime? mtime = null)
        {
            string sha = Content.Sha512(content);
            Directory.CreateDirectory(Path.GetDirectoryName(file.FullPath)!);
            FileState final;
            switch (mode)
            {
                case WriteMode.TruncateThenWrite:
                    if (!file.Exists || file.Length > 0)
                    {
                        _ledger.Record(file.RelativePath, Content.Sha512(Array.Empty<byte>()), 0, 0, operation + " [empty between O_TRUNC and the write]", intermediate: true);
                    }
                    final = _ledger.Record(file.RelativePath, sha, content.Length, content.Length, operation);
                    using (SafeFileHandle handle = File.OpenHandle(file.FullPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite))
                    {
                        RandomAccess.Write(handle, content, 0);
                    }
                    break;
                case WriteMode.OverwriteThenCut:
                    if (file.Exists && content.Length < file.Length)
                    {
                        string overwritten = Content.Sha512OfBytesThenFileRange(content, file.FullPath, content.Length, file.Length);
                        _ledger.Record(file.RelativePath, overwritten, file.Length, 0, operation + " [new bytes before the old tail is cut]", intermediate: true);
                    }
                    final = _ledger.Record(file.RelativePath, sha, content.Length, content.Length, operation);
                    using (SafeFileHandle handle = File.OpenHandle(file.FullPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite))
                    {
                        RandomAccess.Write(handle, content, 0);
                        RandomAccess.SetLength(handle, content.Length);
                    }
                    break;
                default:
                    byte[] old = File.ReadAllBytes(file.FullPath);
                    if (old.Length != content.Length)
                    {
                        throw new InvalidOperationException("A rewrite in pieces keeps the size.");
                    }
                    int piece = Math.Max(1, (content.Length + 15) / 16);
                    final = null!;
                    using (SafeFileHandle handle = File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
                    {
                        for (int offset = 0; offset < content.Length; offset += piece)
                        {
                            int end = Math.Min(content.Length, offset + piece);
                            if (end < content.Length)
                            {
                                _ledger.Record(file.RelativePath, Content.Sha512OfSplice(content, old, end), content.Length, 0, operation + " [after a piece]", intermediate: true);
                            }
                            else
                            {
                                final = _ledger.Record(file.RelativePath, sha, content.Length, content.Length, operation);
                            }
                            RandomAccess.Write(handle, content.AsSpan(offset, end - offset), offset);
                            Thread.Sleep(random.Next(0, 3));
                        }
                    }
                    if (content.Length == 0)
                    {
                        final = _ledger.Record(file.RelativePath, sha, 0, 0, operation);
                    }
                    break;
            }
            if (mtime.HasValue)
            {
                File.SetLastWriteTimeUtc(file.FullPath, mtime.Value);
            }
            Completed(file, final, content.Length, sha, lengthBeforeGrow: null);
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

        private void Completed(TrackedFile file, FileState state, long length, string sha, long? lengthBeforeGrow)
        {
            DateTime mtime = File.GetLastWriteTimeUtc(file.FullPath);
            // A scan sees size and mtime only: other content with both unchanged would be invisible to any
            // uploader (README: such a file is not sent again), so move the mtime on rather than test that.
            if (file.Exists && mtime == file.MtimeUtc && length == file.Length && sha != file.Sha512)
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
