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
