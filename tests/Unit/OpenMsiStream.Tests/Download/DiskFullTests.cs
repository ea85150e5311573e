using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Wire;
using Xunit;

namespace OpenMsiStream.Tests.Download
{
    /// <summary>
    /// Rebuilding files on a real file system that runs full (a small tmpfs): a failed write is
    /// "blocked", not a lost file; what was not recorded is read again; a file put in place whose record
    /// failed is recorded once there is space.
    /// </summary>
    public sealed class DiskFullTests : IDisposable
    {
        private const int ChunkSize = 16 * 1024; // several pages per chunk, so every chunk needs new space
        private readonly SmallFileSystem _disk = new SmallFileSystem(megabytes: 4);

        public void Dispose() => _disk.Dispose();

        private string Output => Path.Combine(_disk.Path, "received");

        [Fact]
        public void AChunkThatCannotBeWrittenIsBlockedAndTheFileCompletesFromTheSameMessagesOnceSpaceIsBack()
        {
            byte[] content = TestData.Bytes(3 * ChunkSize, seed: 1);
            List<DataFileChunk> chunks = ChunkFactory.Split(content, ChunkSize);
            var target = new DirectoryTarget(Output, "topic", "group");
            using (var reassembler = new Reassembler(target, "topic"))
            {
                Assert.Equal(ChunkResultKind.InProgress, reassembler.Accept(chunks[0], new MessagePosition(0, 10)).Kind);
                _disk.Fill();

                ChunkResult blocked = reassembler.Accept(chunks[1], new MessagePosition(0, 11));

                Assert.Equal(ChunkResultKind.Blocked, blocked.Kind);
                Assert.Equal(ErrorIds.OutputWriteFailed, blocked.Error!.ErrorId);
                Assert.Equal("Could not write 'file.dat': No space left on device. Receiving pauses and tries again, from every 5 s to once a minute, until writing works; nothing is lost meanwhile.", blocked.Error.Message);
                Assert.Empty(blocked.Resolved); // nothing may be committed past
                Assert.Equal(1, reassembler.FilesInProgress);

                _disk.Free();
                // The receiver goes back to the oldest message not handled and reads on from there.
                Assert.Equal(ChunkResultKind.InProgress, reassembler.Accept(chunks[0], new MessagePosition(0, 10)).Kind);
                Assert.Equal(ChunkResultKind.InProgress, reassembler.Accept(chunks[1], new MessagePosition(0, 11)).Kind);
                ChunkResult done = reassembler.Accept(chunks[2], new MessagePosition(0, 12));

                Assert.Equal(ChunkResultKind.Completed, done.Kind);
                Assert.Equal(new long[] { 10, 11, 12 }, done.Resolved.Select(p => p.Offset).OrderBy(o => o));
                Assert.Equal(content, File.ReadAllBytes(done.File!.FullName!));
            }
            target.Cleanup();
        }

        [Fact]
        public void ChunksWhoseRecordFailsAreRecordedLaterAndTheRestOfTheFileStillArrives()
        {
            byte[] content = TestData.Bytes(3 * ChunkSize, seed: 2);
            List<DataFileChunk> chunks = ChunkFactory.Split(content, ChunkSize);
            var target = new DirectoryTarget(Output, "topic", "group");
            using (var reassembler = new Reassembler(target, "topic"))
            {
                reassembler.Accept(chunks[0], new MessagePosition(0, 0));
                reassembler.Accept(chunks[1], new MessagePosition(0, 1));
                _disk.Fill();

                Exception full = Assert.ThrowsAny<Exception>(() => reassembler.Persist()); // the registry cannot grow
                Assert.True(RetryableOutputFailure.Is(full), full.ToString());

                _disk.Free();
                reassembler.Persist();
                ChunkResult done = reassembler.Accept(chunks[2], new MessagePosition(0, 2));
                Assert.Equal(content, File.ReadAllBytes(done.File!.FullName!));
            }
            target.Cleanup();
        }

        [Fact]
        public void AGroupCommitThatRunsOutOfSpaceReportsOnlyFilesInPlaceAndPutsTheRestInPlaceAfterThePause()
        {
            // No inode left: writing to existing staging files works, making the new directory for
            // 'new/b.dat' fails with ENOSPC, halfway through the group's renames.
            using var disk = new SmallFileSystem(megabytes: 4, inodes: 64);
            string output = Path.Combine(disk.Path, "received");
            var target = new DirectoryTarget(output, "topic", "group");
            byte[] a = TestData.Bytes(1000, seed: 1), b = TestData.Bytes(2000, seed: 2), c = TestData.Bytes(3000, seed: 3);
            DataFileChunk chunkA = ChunkFactory.Split(a, ChunkSize, filename: "a.dat").Single();
            DataFileChunk chunkB = ChunkFactory.Split(b, ChunkSize, subdirectory: "new", filename: "b.dat").Single();
            DataFileChunk chunkC = ChunkFactory.Split(c, ChunkSize, filename: "c.dat").Single();
            using (var grouped = new Reassembler(target, "topic", groupCommit: true))
            {
                Assert.Equal(ChunkResultKind.InProgress, grouped.Accept(chunkA, new MessagePosition(0, 0)).Kind);
                Assert.Equal(ChunkResultKind.InProgress, grouped.Accept(chunkB, new MessagePosition(0, 1)).Kind);
                Assert.Equal(ChunkResultKind.InProgress, grouped.Accept(chunkC, new MessagePosition(0, 2)).Kind);
                Assert.Equal(3, grouped.FilesCompleting);
                disk.FillInodes();

                grouped.CommitCompleted();

                IReadOnlyList<ChunkResult> committed = grouped.TakeCommitted();
                Assert.Equal(2, committed.Count);
                Assert.Equal(ChunkResultKind.Completed, committed[0].Kind); // renamed before the failure: in place, recorded, reported
                Assert.Equal("a.dat", committed[0].File!.RelativePath);
                Assert.Equal(new long[] { 0 }, committed[0].Resolved.Select(p => p.Offset));
                Assert.Equal(ChunkResultKind.Blocked, committed[1].Kind);
                Assert.Equal(ErrorIds.OutputWriteFailed, committed[1].Error!.ErrorId);
                Assert.Equal("new/b.dat", committed[1].Error!.Target);
                Assert.Empty(committed[1].Resolved);
                Assert.Equal(a, File.ReadAllBytes(Path.Combine(output, "a.dat")));
                Assert.False(Directory.Exists(Path.Combine(output, "new")));
                Assert.False(File.Exists(Path.Combine(output, "c.dat"))); // after the failure in its group: not put in place, not reported, nothing resolved
                Assert.Equal(0, grouped.FilesCompleting);
                Assert.Equal(2, grouped.FilesInProgress); // 'new/b.dat' (to be read again) and 'c.dat' (complete, waiting)

                disk.FreeInodes();
                ChunkResult retried = Assert.Single(grouped.RetryBlocked());
                Assert.Equal(ChunkResultKind.Completed, retried.Kind);
                Assert.Equal("c.dat", retried.File!.RelativePath);
                Assert.Equal(new long[] { 2 }, retried.Resolved.Select(p => p.Offset));
                Assert.Equal(c, File.ReadAllBytes(Path.Combine(output, "c.dat")));

                // The receiver goes back to the oldest message not handled: 'new/b.dat' arrives again.
                Assert.Equal(ChunkResultKind.Duplicate, grouped.Accept(chunkA, new MessagePosition(0, 0)).Kind);
                Assert.Equal(ChunkResultKind.InProgress, grouped.Accept(chunkB, new MessagePosition(0, 1)).Kind);
                Assert.Equal(ChunkResultKind.Duplicate, grouped.Accept(chunkC, new MessagePosition(0, 2)).Kind);
                grouped.CommitCompleted();
                ChunkResult last = Assert.Single(grouped.TakeCommitted());
                Assert.Equal(ChunkResultKind.Completed, last.Kind);
                Assert.Equal(new long[] { 1 }, last.Resolved.Select(p => p.Offset));
                Assert.Equal(b, File.ReadAllBytes(Path.Combine(output, "new", "b.dat")));
                Assert.Equal(0, grouped.FilesInProgress);
            }
            target.Cleanup();
        }

        [Fact]
        public void AFileThatCouldNotBeRecordedIsNotLostAndIsReportedWhenSpaceIsBack()
        {
            byte[] first = TestData.Bytes(2 * ChunkSize, seed: 3);
            var target = new DirectoryTarget(Output, "topic", "group");
            using (var reassembler = new Reassembler(target, "topic"))
            {
                List<DataFileChunk> chunks = ChunkFactory.Split(first, ChunkSize, filename: "a.dat");
                reassembler.Accept(chunks[0], new MessagePosition(0, 0));
                _disk.Fill(leaveFree: ChunkSize); // room for the last chunk, none for the record

                ChunkResult outcome = reassembler.Accept(chunks[1], new MessagePosition(0, 1));

                Assert.Equal(ChunkResultKind.Blocked, outcome.Kind);
                Assert.Empty(outcome.Resolved);
                Assert.Equal(first, File.ReadAllBytes(Path.Combine(Output, "a.dat"))); // in place, not yet recorded
                Assert.Equal(ChunkResultKind.InProgress, reassembler.Accept(chunks[0], new MessagePosition(0, 0)).Kind); // read again: still held back
                Assert.Equal(ChunkResultKind.Blocked, Assert.Single(reassembler.RetryBlocked()).Kind); // still full

                _disk.Free();
                ChunkResult completed = Assert.Single(reassembler.RetryBlocked());
                Assert.Equal(new long[] { 0, 1 }, completed.Resolved.Select(p => p.Offset).OrderBy(o => o));
                Assert.Equal(first, File.ReadAllBytes(Path.Combine(Output, "a.dat")));
                Assert.Equal(ChunkResultKind.Duplicate, reassembler.Accept(chunks[0], new MessagePosition(0, 0)).Kind);
            }
            target.Cleanup();
        }
    }
}
