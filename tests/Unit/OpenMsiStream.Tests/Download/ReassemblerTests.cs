using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Wire;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.Download
{
    public class ReassemblerTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("reassembly");
        private readonly string _output;
        private readonly Reassembler _reassembler;
        private long _nextOffset;

        public ReassemblerTests()
        {
            _output = _temp.Combine("out");
            _reassembler = new Reassembler(new DirectoryTarget(_output), "topic");
        }

        public void Dispose()
        {
            _reassembler.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public void ChunksInAnyOrderWithDuplicatesRebuildTheFileOnce()
        {
            byte[] content = TestData.Bytes(10_000);
            List<DataFileChunk> chunks = ChunkFactory.Split(content, 1024, "sub/dir", "data.bin");
            var order = new[] { 9, 3, 0, 3, 7, 1, 2, 9, 4, 5, 6 }; // chunk 8 last, 4 and 10 duplicated
            var results = order.Select(i => Accept(chunks[i])).ToList();
            results.Add(Accept(chunks[8]));

            Assert.Equal(2, results.Count(r => r.Kind == ChunkResultKind.Duplicate));
            Assert.Equal(ChunkResultKind.Completed, results.Last().Kind);
            Assert.Single(results, r => r.File != null);
            ReceivedFile file = results.Last().File!;
            Assert.Equal("sub/dir/data.bin", file.RelativePath);
            Assert.Equal(Path.Combine(_output, "sub", "dir", "data.bin"), file.FullName);
            Assert.Equal(content, File.ReadAllBytes(file.FullName!));
            Assert.Equal(TestData.Sha512Hex(content), file.Sha512);
            Assert.Equal(10, results.Last().Resolved.Count);
            Assert.Empty(Directory.GetFiles(Path.Combine(_output, ".openmsistream", "staging"), "*.part", SearchOption.AllDirectories));
        }

        [Fact]
        public void AFileReplacesALongerFileOfTheSameName()
        {
            File.WriteAllBytes(_temp.WriteFile(Path.Combine("out", "file.dat"), TestData.Bytes(50_000, seed: 9)), TestData.Bytes(50_000, seed: 9));
            byte[] content = TestData.Bytes(100);

            ChunkResult result = Accept(ChunkFactory.Split(content, 1024).Single());

            Assert.Equal(ChunkResultKind.Completed, result.Kind);
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(_output, "file.dat")));
        }

        [Fact]
        public void AnEmptyFileIsRebuilt()
        {
            ChunkResult result = Accept(ChunkFactory.Split(Array.Empty<byte>(), 1024).Single());

            Assert.Equal(0, result.File!.Length);
            Assert.Empty(File.ReadAllBytes(Path.Combine(_output, "file.dat")));
        }

        [Fact]
        public void AFileWhoseContentDoesNotMatchItsHashIsNeverWritten()
        {
            byte[] content = TestData.Bytes(3000);
            List<DataFileChunk> chunks = ChunkFactory.Split(content, 1024, claimedFileHash: SHA512.HashData(new byte[] { 1 }));

            ChunkResult last = AcceptAll(chunks).Last();

            Assert.Equal(ChunkResultKind.Failed, last.Kind);
            Assert.Equal(ErrorIds.HashMismatch, last.Error!.ErrorId);
            Assert.Equal("'file.dat' was rebuilt from all 3 chunks but its SHA-512 does not match the producer's; it was not written.", last.Error.Message);
            Assert.Equal(3, last.Resolved.Count);
            Assert.False(File.Exists(Path.Combine(_output, "file.dat")));
            Assert.Empty(Directory.GetFiles(Path.Combine(_output, ".openmsistream", "staging"), "*.part", SearchOption.AllDirectories));
        }

        [Fact]
        public void WhenTheFileHashFailsTheCorruptChunkIsNamedWithItsMessageAndNothingIsWritten()
        {
            byte[] content = TestData.Bytes(5000);
            List<DataFileChunk> chunks = ChunkFactory.Split(content, 1024);
            byte[] damaged = chunks[2].Data.ToArray();
            damaged[100] ^= 0xff; // chunk 3's data no longer matches its own hash, nor the file's
            chunks[2] = new DataFileChunk(chunks[2].Filename, chunks[2].FileHash, chunks[2].ChunkHash, chunks[2].Offset, chunks[2].ChunkIndex, chunks[2].TotalChunks, "", "", damaged, 1000);

            List<ChunkResult> results = chunks.Select((c, i) => Accept(c, partition: 1, offset: 40 + i)).ToList();

            Assert.All(results.Take(4), r => Assert.Equal(ChunkResultKind.InProgress, r.Kind)); // chunks are not hashed one by one on arrival
            ChunkResult last = results.Last();
            Assert.Equal(ChunkResultKind.Failed, last.Kind);
            Assert.Equal(ErrorIds.CorruptChunk, last.Error!.ErrorId);
            Assert.Equal("Chunk 3 of 5 of 'file.dat' is corrupt: its data does not match its SHA-512 chunk hash (message at partition 1, offset 42); the file was not written.", last.Error.Message);
            Assert.Equal(42, last.BadMessage!.Value.Offset);
            Assert.Equal(5, last.Resolved.Count);
            Assert.False(File.Exists(Path.Combine(_output, "file.dat")));
            Assert.Empty(Directory.GetFiles(Path.Combine(_output, ".openmsistream", "staging"), "*.part", SearchOption.AllDirectories));
        }

        [Fact]
        public void WithGroupCommitFilesAreReportedOnlyOnceTheWholeGroupIsInPlaceAndRecorded()
        {
            string output = _temp.Combine("grouped");
            var target = new DirectoryTarget(output, "topic", "group");
            var contents = Enumerable.Range(0, 5).Select(i => TestData.Bytes(700 + i, seed: i)).ToList();
            using (var grouped = new Reassembler(target, "topic", groupCommit: true))
            {
                for (int i = 0; i < contents.Count; i++)
                {
                    ChunkResult accepted = grouped.Accept(ChunkFactory.Split(contents[i], 1024, subdirectory: i % 2 == 0 ? "even/new" : "", filename: $"f{i}.dat").Single(), new MessagePosition(0, i));
                    Assert.Equal(ChunkResultKind.InProgress, accepted.Kind); // verified, waiting for its group: not reported, nothing resolved
                    Assert.Empty(accepted.Resolved);
                }
                Assert.Equal(5, grouped.FilesCompleting);
                Assert.Empty(grouped.TakeCommitted());
                Assert.False(File.Exists(Path.Combine(output, "f1.dat")));

                grouped.CommitCompleted();

                IReadOnlyList<ChunkResult> committed = grouped.TakeCommitted();
                Assert.Equal(5, committed.Count);
                Assert.All(committed, c => Assert.Equal(ChunkResultKind.Completed, c.Kind));
                Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, committed.SelectMany(c => c.Resolved).Select(p => p.Offset).OrderBy(o => o));
                for (int i = 0; i < contents.Count; i++)
                {
                    Assert.Equal(contents[i], File.ReadAllBytes(Path.Combine(output, i % 2 == 0 ? "even/new" : "", $"f{i}.dat")));
                }
                Assert.Equal(0, grouped.FilesCompleting);
                // Recorded: read again, each is a duplicate, also for a new receiver of the same group.
                Assert.Equal(ChunkResultKind.Duplicate, grouped.Accept(ChunkFactory.Split(contents[1], 1024, filename: "f1.dat").Single(), new MessagePosition(0, 1)).Kind);
            }
            target.Cleanup();
            var again = new DirectoryTarget(output, "topic", "group");
            using (var next = new Reassembler(again, "topic", groupCommit: true))
            {
                Assert.Equal(ChunkResultKind.Duplicate, next.Accept(ChunkFactory.Split(contents[4], 1024, subdirectory: "even/new", filename: "f4.dat").Single(), new MessagePosition(0, 4)).Kind);
            }
            again.Cleanup();
        }

        [Fact]
        public void WithGroupCommitAChunkOfAFileWaitingForItsGroupSettlesTheGroupFirst()
        {
            string output = _temp.Combine("grouped");
            var target = new DirectoryTarget(output, "topic", "group");
            byte[] first = TestData.Bytes(300, seed: 1), second = TestData.Bytes(400, seed: 2);
            using (var grouped = new Reassembler(target, "topic", groupCommit: true))
            {
                grouped.Accept(ChunkFactory.Split(first, 1024, mtime: 1000).Single(), new MessagePosition(0, 0));

                ChunkResult newer = grouped.Accept(ChunkFactory.Split(second, 1024, mtime: 2000).Single(), new MessagePosition(0, 1));

                ChunkResult earlier = Assert.Single(grouped.TakeCommitted());
                Assert.Equal(ChunkResultKind.Completed, earlier.Kind); // the first version went into place before the second was judged
                Assert.Equal(ChunkResultKind.InProgress, newer.Kind);
                grouped.CommitCompleted();
                Assert.Equal(ChunkResultKind.Completed, Assert.Single(grouped.TakeCommitted()).Kind);
                Assert.Equal(second, File.ReadAllBytes(Path.Combine(output, "file.dat")));
            }
            target.Cleanup();
        }

        [Fact]
        public void WithoutASendOrderANewerMtimeWinsEvenWhenTheFileShrank()
        {
            // Chunks spread over partitions (as Python OpenMSIStream sends them): offsets cannot order the versions.
            List<DataFileChunk> older = ChunkFactory.Split(TestData.Bytes(3000, seed: 1), 1024, mtime: 1000);
            byte[] newerContent = TestData.Bytes(1500, seed: 2);
            List<DataFileChunk> newer = ChunkFactory.Split(newerContent, 1024, mtime: 2000);

            Accept(older[0], partition: 0, offset: 10);
            ChunkResult switched = Accept(newer[0], partition: 1, offset: 3);
            ChunkResult stale = Accept(older[1], partition: 2, offset: 7);
            ChunkResult done = Accept(newer[1], partition: 3, offset: 1);

            Assert.Equal("A newer version of 'file.dat' arrived (2 chunks; a newer modification time); the older one (1 of 3 chunks received) was abandoned.", switched.Warning);
            Assert.Single(switched.Resolved); // the abandoned generation's message
            Assert.Equal(ChunkResultKind.Stale, stale.Kind);
            Assert.Equal("Skipped a chunk of an older version of 'file.dat' (3 chunks) than the one arriving (2 chunks): an older modification time, and no send order.", stale.Warning);
            Assert.Equal(newerContent, File.ReadAllBytes(done.File!.FullName!));
        }

        [Fact]
        public void WithoutASendOrderOrMtimesMoreChunksIsNewerAndAnEqualCountKeepsTheFirst()
        {
            List<DataFileChunk> small = ChunkFactory.Split(TestData.Bytes(2000, seed: 1), 1024, mtime: null);
            List<DataFileChunk> other = ChunkFactory.Split(TestData.Bytes(2000, seed: 3), 1024, mtime: null);
            byte[] grownContent = TestData.Bytes(5000, seed: 2);
            List<DataFileChunk> grown = ChunkFactory.Split(grownContent, 1024, mtime: null);

            Accept(small[0], partition: 0, offset: 0);
            Assert.Equal(ChunkResultKind.Stale, Accept(other[0], partition: 1, offset: 0).Kind);
            Assert.NotNull(Accept(grown[0], partition: 2, offset: 0).Warning);
            Assert.Equal(ChunkResultKind.Stale, Accept(small[1], partition: 3, offset: 0).Kind);
            ChunkResult done = grown.Skip(1).Select((c, i) => Accept(c, partition: 2, offset: i + 1)).ToList().Last();

            Assert.Equal(grownContent, File.ReadAllBytes(done.File!.FullName!));
        }

        [Fact]
        public void ChunksOfAnEarlierSendReadAgainDoNotStartAFileThatNeverCompletes()
        {
            List<DataFileChunk> older = ChunkFactory.Split(TestData.Bytes(3000, seed: 5), 1024, mtime: 500);
            List<DataFileChunk> first = ChunkFactory.Split(TestData.Bytes(2000, seed: 1), 1024, mtime: 1000);
            Accept(first[0], partition: 0, offset: 20);
            Accept(first[1], partition: 0, offset: 21);

            Assert.Equal(ChunkResultKind.Duplicate, Accept(first[0], partition: 0, offset: 20).Kind);
            ChunkResult olderAgain = Accept(older[0], partition: 0, offset: 12); // sent before, read again after a restart
            Assert.Equal(ChunkResultKind.Stale, olderAgain.Kind);
            Assert.Equal("Skipped a chunk of an older version of 'file.dat' than the one received: sent before it: partition 0, offset 12 before 20.", olderAgain.Warning);
            Assert.Equal(0, _reassembler.FilesInProgress);

            byte[] later = TestData.Bytes(10, seed: 7);
            ChunkResult again = Accept(ChunkFactory.Split(later, 1024, mtime: 3000).Single(), partition: 0, offset: 30);
            Assert.Equal(later, File.ReadAllBytes(again.File!.FullName!));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void ContentThatGoesBackToAnEarlierVersionIsDeliveredAndTheSendsInBetweenReadAgainAreStale(bool brokerKeepsTimestamps)
        {
            // A, then B, then A again (the same bytes and mtime as the first time, as a restore or an undo
            // makes): the newest send wins, although A was received before.
            DateTime t0 = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
            byte[] a = TestData.Bytes(3000, seed: 1), b = TestData.Bytes(2500, seed: 2);
            List<DataFileChunk> versionA = ChunkFactory.Split(a, 1024, mtime: 1000), versionB = ChunkFactory.Split(b, 1024, mtime: 2000);
            DateTime? At(int minutes) => brokerKeepsTimestamps ? t0.AddMinutes(minutes) : (DateTime?)null;

            List<ChunkResult> first = versionA.Select((c, i) => Accept(c, 0, i, At(0))).ToList();
            List<ChunkResult> second = versionB.Select((c, i) => Accept(c, 0, 10 + i, At(5))).ToList();
            List<ChunkResult> third = versionA.Select((c, i) => Accept(c, 0, 20 + i, At(10))).ToList();

            Assert.Equal(ChunkResultKind.Completed, first.Last().Kind);
            Assert.Equal(ChunkResultKind.Completed, second.Last().Kind);
            Assert.Equal(ChunkResultKind.Completed, third.Last().Kind);
            Assert.Equal(a, File.ReadAllBytes(Path.Combine(_output, "file.dat")));
            // After a restart the consumer reads from its committed offset: the earlier sends are older.
            Assert.Equal(ChunkResultKind.Stale, Accept(versionB[0], 0, 10, At(5)).Kind);
            Assert.Equal(ChunkResultKind.Duplicate, Accept(versionA[0], 0, 0, At(0)).Kind); // the same content as the version received
            Assert.Equal(0, _reassembler.FilesInProgress);
            Assert.Equal(a, File.ReadAllBytes(Path.Combine(_output, "file.dat")));
        }

        [Fact]
        public void WithoutTimestampsAVersionSentLaterWinsEvenWithAnOlderMtime()
        {
            // Kafka before 0.10 keeps no timestamps: a copy restored from a backup (older mtime) is still the newest send.
            byte[] current = TestData.Bytes(3000, seed: 1), restored = TestData.Bytes(3000, seed: 2);
            ChunkFactory.Split(current, 1024, mtime: 5000).Select((c, i) => Accept(c, 1, i)).ToList();

            List<ChunkResult> results = ChunkFactory.Split(restored, 1024, mtime: 1000).Select((c, i) => Accept(c, 1, 3 + i)).ToList();

            Assert.Equal(ChunkResultKind.Completed, results.Last().Kind);
            Assert.Equal(restored, File.ReadAllBytes(Path.Combine(_output, "file.dat")));
        }

        [Fact]
        public void WithoutTimestampsARewriteWithItsMtimeRestoredReplacesTheAbandonedPartialVersion()
        {
            // The uploader gave up on version A half-way (it changed while being sent); B has the same
            // size and mtime. B must replace A's partial copy instead of waiting for A's missing chunks.
            byte[] a = TestData.Bytes(4096, seed: 1), b = TestData.Bytes(4096, seed: 2);
            List<DataFileChunk> versionA = ChunkFactory.Split(a, 1024, mtime: 1000), versionB = ChunkFactory.Split(b, 1024, mtime: 1000);
            Accept(versionA[0], 2, 40);
            Accept(versionA[1], 2, 41);

            List<ChunkResult> results = versionB.Select((c, i) => Accept(c, 2, 42 + i)).ToList();

            Assert.Equal("A newer version of 'file.dat' arrived (4 chunks; sent later: partition 2, offset 42 after 41); the older one (2 of 4 chunks received) was abandoned.", results[0].Warning);
            Assert.Equal(ChunkResultKind.Completed, results.Last().Kind);
            Assert.Equal(b, File.ReadAllBytes(Path.Combine(_output, "file.dat")));
        }

        [Fact]
        public void ChunksThatDisagreeAboutTheirCountAreRejected()
        {
            List<DataFileChunk> chunks = ChunkFactory.Split(TestData.Bytes(3000), 1024);
            DataFileChunk liar = new DataFileChunk(chunks[1].Filename, chunks[1].FileHash, chunks[1].ChunkHash, chunks[1].Offset, 2, 4, "", "", chunks[1].Data, chunks[1].FileMtime);

            // Between two chunks of the same send (a later send with another chunk size would come after them).
            Accept(chunks[0], partition: 0, offset: 0);
            Accept(chunks[2], partition: 0, offset: 2);
            ChunkResult result = Accept(liar, partition: 0, offset: 1);

            Assert.Equal(ErrorIds.InconsistentChunks, result.Error!.ErrorId);
        }

        [Fact]
        public void TheSameContentSentAgainWithAnotherChunkSizeAndANewerMtimeReplacesTheUnfinishedVersion()
        {
            // An uploader killed mid-file at 1 KiB chunks; the file touched; sent again whole at 2 KiB chunks.
            byte[] content = TestData.Bytes(5000, seed: 11);
            List<DataFileChunk> first = ChunkFactory.Split(content, 1024, mtime: 1000);
            List<DataFileChunk> again = ChunkFactory.Split(content, 2048, mtime: 2000);
            Accept(first[0]);
            Accept(first[1]);

            List<ChunkResult> results = AcceptAll(again);

            Assert.All(results, r => Assert.Null(r.Error));
            Assert.Equal(content, File.ReadAllBytes(results.Last().File!.FullName!));
            Assert.Equal(0, _reassembler.FilesInProgress);
            Assert.Equal(ChunkResultKind.Duplicate, Accept(first[2]).Kind); // a late chunk of the replaced cut: that content is on disk already
        }

        [Fact]
        public void AFileReceivedBeforeAndSentAgainWithAnotherChunkSizeIsADuplicateNotAnError()
        {
            byte[] content = TestData.Bytes(3000, seed: 12);
            AcceptAll(ChunkFactory.Split(content, 1024));

            List<ChunkResult> again = AcceptAll(ChunkFactory.Split(content, 2048));

            Assert.All(again, r => Assert.Equal(ChunkResultKind.Duplicate, r.Kind));
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(_output, "file.dat")));
        }

        [Fact]
        public void ChunksThatLeaveAGapAreRejectedAndNothingIsWritten()
        {
            List<DataFileChunk> chunks = ChunkFactory.Split(TestData.Bytes(3000), 1024);
            DataFileChunk shifted = new DataFileChunk(chunks[2].Filename, chunks[2].FileHash, chunks[2].ChunkHash, 5000, 3, 3, "", "", chunks[2].Data, chunks[2].FileMtime);

            Accept(chunks[0]);
            Accept(chunks[1]);
            ChunkResult result = Accept(shifted);

            Assert.Equal(ErrorIds.InconsistentChunks, result.Error!.ErrorId);
            Assert.Equal("The chunks of 'file.dat' do not fit together: a chunk starts at byte 5000 where byte 2048 was expected. The file was not written.", result.Error.Message);
            Assert.False(File.Exists(Path.Combine(_output, "file.dat")));
        }

        [Fact]
        public void AHostilePathIsRefusedAndNothingIsWrittenOutsideTheOutputDirectory()
        {
            DataFileChunk hostile = ChunkFactory.Split(TestData.Bytes(10), 1024, subdirectory: "../../escaped", filename: "evil.sh").Single();

            ChunkResult result = Accept(hostile);

            Assert.Equal(ErrorIds.UnsafePath, result.Error!.ErrorId);
            Assert.Equal(new[] { "out" }, Directory.GetFileSystemEntries(_temp.Path).Select(Path.GetFileName));
            Assert.Empty(TestData.RelativeFiles(_output));
        }

        [Fact]
        public void ASymbolicLinkInTheOutputDirectoryIsNotFollowed()
        {
            string elsewhere = _temp.Combine("elsewhere");
            Directory.CreateDirectory(elsewhere);
            Directory.CreateSymbolicLink(Path.Combine(_output, "link"), elsewhere);

            ChunkResult result = Accept(ChunkFactory.Split(TestData.Bytes(10), 1024, subdirectory: "link").Single());

            Assert.Equal(ErrorIds.UnsafePath, result.Error!.ErrorId);
            Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
        }

        [Fact]
        public void FilesFromARevokedPartitionAreDroppedWithTheirStagingFiles()
        {
            List<DataFileChunk> moving = ChunkFactory.Split(TestData.Bytes(3000, seed: 1), 1024, filename: "moving.dat");
            List<DataFileChunk> staying = ChunkFactory.Split(TestData.Bytes(3000, seed: 2), 1024, filename: "staying.dat");
            _reassembler.Accept(moving[0], new MessagePosition(2, 0));
            _reassembler.Accept(staying[0], new MessagePosition(1, 0));

            Assert.Equal(1, _reassembler.AbandonPartitions(new HashSet<int> { 2 }));

            Assert.Equal(1, _reassembler.FilesInProgress);
            Assert.Single(Directory.GetFiles(Path.Combine(_output, ".openmsistream", "staging"), "*.part", SearchOption.AllDirectories));
            ChunkResult done = _reassembler.Accept(staying[1], new MessagePosition(1, 1));
            Assert.Equal(ChunkResultKind.InProgress, done.Kind);
        }

        [Fact]
        public void AnOffsetBeyondTheLargestAcceptedFileIsRejectedAndResolved()
        {
            byte[] data = { 1, 2, 3 };
            var hostile = new DataFileChunk("far.dat", SHA512.HashData(data), SHA512.HashData(data), 1L << 62, 2, 2, "", "", data, 1);

            ChunkResult result = Accept(hostile);

            Assert.Equal(ErrorIds.InconsistentChunks, result.Error!.ErrorId);
            Assert.Single(result.Resolved);
            Assert.Equal(0, _reassembler.FilesInProgress);
        }

        [Fact]
        public void ADirectoryInTheWayIsAPermanentConflictAndTheNextFileStillArrives()
        {
            Directory.CreateDirectory(Path.Combine(_output, "results"));
            File.WriteAllBytes(Path.Combine(_output, "plain"), new byte[1]);

            ChunkResult blockedByDirectory = Accept(ChunkFactory.Split(TestData.Bytes(10), 1024, filename: "results").Single());
            ChunkResult blockedByFile = Accept(ChunkFactory.Split(TestData.Bytes(10), 1024, subdirectory: "plain", filename: "f").Single());
            ChunkResult fine = Accept(ChunkFactory.Split(TestData.Bytes(10), 1024, filename: "later.dat").Single());

            Assert.Equal(ErrorIds.OutputPathConflict, blockedByDirectory.Error!.ErrorId);
            Assert.Equal($"Could not write 'results': a directory named '{Path.Combine(_output, "results")}' is in the way. Move it aside; the file was not written.", blockedByDirectory.Error.Message);
            Assert.Single(blockedByDirectory.Resolved);
            Assert.Equal(ErrorIds.OutputPathConflict, blockedByFile.Error!.ErrorId);
            Assert.Single(blockedByFile.Resolved);
            Assert.Equal(ChunkResultKind.Completed, fine.Kind);
        }

        [Fact]
        public void AFileNamedLikeTheStateDirectoryIsRefused()
        {
            ChunkResult result = Accept(ChunkFactory.Split(TestData.Bytes(10), 1024, filename: ".openmsistream").Single());

            Assert.Equal(ErrorIds.UnsafePath, result.Error!.ErrorId);
        }

        [Fact]
        public void AFileWhoseProducerStoppedIsReleasedButKeptOnDiskAndCanStillComplete()
        {
            List<DataFileChunk> chunks = ChunkFactory.Split(TestData.Bytes(3000), 1024, filename: "half.dat");
            Accept(chunks[0]);
            Accept(chunks[1]);

            (IReadOnlyList<OpenMsiStreamException> errors, IReadOnlyList<MessagePosition> resolved) = _reassembler.AbandonStalled(TimeSpan.Zero);

            OpenMsiStreamException error = Assert.Single(errors);
            Assert.Equal(ErrorIds.IncompleteFileAbandoned, error.ErrorId);
            Assert.StartsWith("Stopped waiting for 'half.dat': 2 of 3 chunks arrived", error.Message);
            Assert.Equal(2, resolved.Count);
            Assert.Equal(1, _reassembler.FilesInProgress);
            Assert.Empty(_reassembler.AbandonStalled(TimeSpan.Zero).Errors); // reported once
            Assert.Equal(ChunkResultKind.Completed, Accept(chunks[2]).Kind);
        }

        [Fact]
        public void InMemoryAFileWhoseProducerStoppedIsDropped()
        {
            using var memory = new Reassembler(new MemoryTarget(1 << 20), "topic");
            List<DataFileChunk> chunks = ChunkFactory.Split(TestData.Bytes(3000), 1024, filename: "half.dat");
            memory.Accept(chunks[0], Next());

            (IReadOnlyList<OpenMsiStreamException> errors, IReadOnlyList<MessagePosition> resolved) = memory.AbandonStalled(TimeSpan.Zero);

            Assert.StartsWith("Gave up waiting for 'half.dat': 1 of 3 chunks arrived", Assert.Single(errors).Message);
            Assert.Single(resolved);
            Assert.Equal(0, memory.FilesInProgress);
        }

        [Fact]
        public void AnotherReceiverOnTheSameDirectoryLeavesLiveStagingAloneAndCleansUpAbandonedStaging()
        {
            string abandoned = Path.Combine(_output, ".openmsistream", "staging", "old-receiver");
            Directory.CreateDirectory(abandoned);
            File.WriteAllBytes(Path.Combine(abandoned, "x.part"), new byte[10]);
            List<DataFileChunk> chunks = ChunkFactory.Split(TestData.Bytes(3000), 1024);
            Accept(chunks[0]); // this receiver now has a file in progress

            var second = new DirectoryTarget(_output, minimumStagingAge: TimeSpan.Zero);

            Assert.False(Directory.Exists(abandoned));
            Assert.Equal(ChunkResultKind.InProgress, Accept(chunks[1]).Kind);
            Assert.Equal(ChunkResultKind.Completed, Accept(chunks[2]).Kind);
            second.Cleanup();
        }

        [Fact]
        public void OverlappingChunksCannotGetAroundTheMemoryLimit()
        {
            using var memory = new Reassembler(new MemoryTarget(4096), "topic");
            // Six chunks of 800 bytes at offsets 0..5: every one ends before byte 806, yet together
            // they hold 4800 bytes.
            byte[] data = TestData.Bytes(800);
            byte[] claimed = SHA512.HashData(new byte[1]);
            List<ChunkResult> results = Enumerable.Range(0, 6)
                .Select(i => memory.Accept(new DataFileChunk("overlap.dat", claimed, SHA512.HashData(data), i, i + 1, 6, "", "", data, 1), Next()))
                .ToList();

            Assert.All(results.Take(5), r => Assert.Null(r.Error));
            Assert.Equal(ErrorIds.FileTooLargeForMemory, results[5].Error!.ErrorId);
        }

        [Fact]
        public void FilesInProgressTogetherCannotExceedTheMemoryBudget()
        {
            using var memory = new Reassembler(new MemoryTarget(4096, maxBytesInProgress: 5000), "topic");
            List<DataFileChunk> first = ChunkFactory.Split(TestData.Bytes(4000, seed: 1), 1024, filename: "a.dat");
            List<DataFileChunk> second = ChunkFactory.Split(TestData.Bytes(4000, seed: 2), 1024, filename: "b.dat");

            first.Take(3).ToList().ForEach(c => memory.Accept(c, Next()));
            List<ChunkResult> results = second.Select(c => memory.Accept(c, Next())).ToList();

            Assert.Contains(results, r => r.Error?.ErrorId == ErrorIds.FileTooLargeForMemory);
            Assert.Equal(ChunkResultKind.Completed, memory.Accept(first[3], Next()).Kind); // the first still fits
        }

        [Fact]
        public void ANextRunOfTheSameGroupContinuesAFileInProgressFromItsStagedChunks()
        {
            string output = _temp.Combine("durable");
            byte[] content = TestData.Bytes(5000);
            List<DataFileChunk> chunks = ChunkFactory.Split(content, 1024, subdirectory: "run 1", filename: "scan.raw");
            var first = new DirectoryTarget(output, "topic", "group");
            var firstRun = new Reassembler(first, "topic");
            chunks.Take(3).ToList().ForEach(c => firstRun.Accept(c, Next()));
            firstRun.Persist();
            first.Cleanup(); // the process ends (a kill releases the lock the same way)

            var second = new DirectoryTarget(output, "topic", "group");
            using var secondRun = new Reassembler(second, "topic");
            Assert.Equal(1, secondRun.FilesInProgress);
            List<ChunkResult> again = chunks.Take(3).Select(c => secondRun.Accept(c, Next())).ToList();
            ChunkResult fourth = secondRun.Accept(chunks[3], Next());
            ChunkResult last = secondRun.Accept(chunks[4], Next());

            Assert.All(again, r => Assert.Equal(ChunkResultKind.Duplicate, r.Kind)); // staged before: not written again
            Assert.Equal(ChunkResultKind.InProgress, fourth.Kind);
            Assert.Equal(content, File.ReadAllBytes(last.File!.FullName!));
            second.Cleanup();
        }

        [Fact]
        public void ANextRunOrdersVersionsByTheSendsRecordedInTheRegistry()
        {
            string output = _temp.Combine("durable");
            byte[] a = TestData.Bytes(3000, seed: 1), b = TestData.Bytes(3000, seed: 2);
            List<DataFileChunk> versionA = ChunkFactory.Split(a, 1024, mtime: 1000), versionB = ChunkFactory.Split(b, 1024, mtime: 1000);
            var first = new DirectoryTarget(output, "topic", "group");
            using (var firstRun = new Reassembler(first, "topic"))
            {
                versionA.Select((c, i) => firstRun.Accept(c, new MessagePosition(0, i))).ToList();
                versionB.Select((c, i) => firstRun.Accept(c, new MessagePosition(0, 10 + i))).ToList();
            }
            first.Cleanup();

            var second = new DirectoryTarget(output, "topic", "group");
            using (var secondRun = new Reassembler(second, "topic"))
            {
                Assert.Equal(ChunkResultKind.Stale, secondRun.Accept(versionA[0], new MessagePosition(0, 0)).Kind); // read again: sent before B
                Assert.Equal(ChunkResultKind.Duplicate, secondRun.Accept(versionB[2], new MessagePosition(0, 12)).Kind);
                List<ChunkResult> undo = versionA.Select((c, i) => secondRun.Accept(c, new MessagePosition(0, 20 + i))).ToList(); // A sent again
                Assert.Equal(ChunkResultKind.Completed, undo.Last().Kind);
            }
            second.Cleanup();
            Assert.Equal(a, File.ReadAllBytes(Path.Combine(output, "file.dat")));
        }

        [Fact]
        public void AVersionInProgressKeepsWhereItWasSentAcrossARestart()
        {
            string output = _temp.Combine("durable");
            byte[] a = TestData.Bytes(3000, seed: 1), b = TestData.Bytes(3000, seed: 2);
            List<DataFileChunk> versionA = ChunkFactory.Split(a, 1024, mtime: 1000), versionB = ChunkFactory.Split(b, 1024, mtime: 1000);
            var first = new DirectoryTarget(output, "topic", "group");
            var firstRun = new Reassembler(first, "topic");
            firstRun.Accept(versionA[0], new MessagePosition(3, 50));
            firstRun.Accept(versionA[1], new MessagePosition(3, 51));
            firstRun.Persist();
            first.Cleanup(); // killed mid-file

            var second = new DirectoryTarget(output, "topic", "group");
            using var secondRun = new Reassembler(second, "topic");
            Assert.Equal(1, secondRun.FilesInProgress);
            Assert.Equal(ChunkResultKind.Stale, secondRun.Accept(versionB[0], new MessagePosition(3, 40)).Kind); // an earlier send, read again
            ChunkResult newer = secondRun.Accept(versionB[0], new MessagePosition(3, 60));
            Assert.Equal("A newer version of 'file.dat' arrived (3 chunks; sent later: partition 3, offset 60 after 51); the older one (2 of 3 chunks received) was abandoned.", newer.Warning);
            Assert.Equal(b, File.ReadAllBytes(versionB.Skip(1).Select((c, i) => secondRun.Accept(c, new MessagePosition(3, 61 + i))).ToList().Last().File!.FullName!));
            second.Cleanup();
        }

        [Fact]
        public void ARegistryWrittenBeforeSendSpansWereKeptIsUpgradedAndStillOrdersByTime()
        {
            string output = _temp.Combine("legacy");
            string state = Path.Combine(output, ".openmsistream");
            Directory.CreateDirectory(state);
            byte[] oldHash = SHA512.HashData(new byte[] { 1 });
            using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(state, DownloadRegistry.DatabaseFileName)};Pooling=False"))
            {
                connection.Open();
                using var create = connection.CreateCommand();
                // The schema of the first release, with one received version.
                create.CommandText = @"
CREATE TABLE received(topic TEXT NOT NULL, group_id TEXT NOT NULL, rel_path TEXT NOT NULL, file_hash BLOB NOT NULL, total_chunks INTEGER NOT NULL,
  mtime REAL, sent_at_ms INTEGER, length INTEGER NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (topic, group_id, rel_path)) WITHOUT ROWID;
CREATE TABLE received_versions(topic TEXT NOT NULL, group_id TEXT NOT NULL, rel_path TEXT NOT NULL, file_hash BLOB NOT NULL,
  PRIMARY KEY (topic, group_id, rel_path, file_hash)) WITHOUT ROWID;
CREATE TABLE staged(staging_file TEXT PRIMARY KEY, owner TEXT NOT NULL, topic TEXT NOT NULL, group_id TEXT NOT NULL, rel_path TEXT NOT NULL,
  file_hash BLOB NOT NULL, total_chunks INTEGER NOT NULL, mtime REAL, updated_at TEXT NOT NULL);
INSERT INTO received VALUES ('topic', 'group', 'file.dat', $hash, 1, 1000, 1793491200000, 1, '2026-11-01');";
                create.Parameters.AddWithValue("$hash", oldHash);
                create.ExecuteNonQuery();
            }
            var target = new DirectoryTarget(output, "topic", "group");
            using (var run = new Reassembler(target, "topic"))
            {
                DateTime recorded = DateTimeOffset.FromUnixTimeMilliseconds(1793491200000).UtcDateTime;
                DataFileChunk older = ChunkFactory.Split(TestData.Bytes(10, seed: 1), 1024, mtime: 2000).Single();
                DataFileChunk newer = ChunkFactory.Split(TestData.Bytes(10, seed: 2), 1024, mtime: 500).Single();
                Assert.Equal(ChunkResultKind.Stale, run.Accept(older, new MessagePosition(0, 5, recorded.AddMinutes(-1))).Kind);
                Assert.Equal(ChunkResultKind.Completed, run.Accept(newer, new MessagePosition(0, 6, recorded.AddMinutes(1))).Kind);
            }
            target.Cleanup();
        }

        [Fact]
        public void BeyondTheLimitOfFilesInProgressTheOneThatWaitedLongestIsGivenUpAndItsMessagesReleased()
        {
            using var limited = new Reassembler(new DirectoryTarget(_temp.Combine("limited")), "topic", maxFilesInProgress: 3);
            var firstChunks = Enumerable.Range(0, 5).Select(i => ChunkFactory.Split(TestData.Bytes(3000, seed: i), 1024, filename: $"never {i}.dat")[0]).ToList();

            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(ChunkResultKind.InProgress, limited.Accept(firstChunks[i], new MessagePosition(0, i)).Kind);
                System.Threading.Thread.Sleep(5); // distinct arrival times
            }
            (IReadOnlyList<OpenMsiStreamException> errors, IReadOnlyList<MessagePosition> resolved) = limited.TakeEvicted();

            Assert.Equal(3, limited.FilesInProgress);
            Assert.Equal(new[] { "never 0.dat", "never 1.dat" }, errors.Select(e => (string)e.Target!));
            Assert.All(errors, e => Assert.Equal(ErrorIds.IncompleteFileAbandoned, e.ErrorId));
            Assert.Equal("Gave up on 'never 0.dat' (1 of 3 chunks): more than 3 files were in progress at once (raise --max-files-in-progress / -MaxFilesInProgress if that is expected), and it had waited longest for its next chunk. Send it again to deliver it.", errors[0].Message);
            Assert.Equal(new long[] { 0, 1 }, resolved.Select(p => p.Offset));
            Assert.Equal(3, Directory.GetFiles(_temp.Combine("limited", ".openmsistream", "staging"), "*.part", SearchOption.AllDirectories).Length);
            Assert.Empty(limited.TakeEvicted().Errors);
        }

        [Fact]
        public void BeyondTheBytesInProgressTheOlderFilesAreGivenUpButNeverTheOneBeingWritten()
        {
            using var limited = new Reassembler(new DirectoryTarget(_temp.Combine("bytes")), "topic", maxBytesInProgress: 2500);
            List<DataFileChunk> other = ChunkFactory.Split(TestData.Bytes(4000, seed: 1), 1024, filename: "other.dat");
            byte[] bigContent = TestData.Bytes(6000, seed: 2);
            List<DataFileChunk> big = ChunkFactory.Split(bigContent, 1024, filename: "big.dat");

            limited.Accept(other[0], new MessagePosition(0, 0));
            limited.Accept(other[1], new MessagePosition(0, 1));
            List<ChunkResult> bigResults = big.Select((c, i) => limited.Accept(c, new MessagePosition(1, i))).ToList();

            OpenMsiStreamException evicted = Assert.Single(limited.TakeEvicted().Errors);
            Assert.Equal("other.dat", evicted.Target);
            Assert.Contains("files in progress held more than 2.4 KB (2500 bytes; raise --max-bytes-in-progress", evicted.Message);
            Assert.Equal(bigContent, File.ReadAllBytes(bigResults.Last().File!.FullName!)); // larger than the limit alone, and still received
            Assert.Equal(0, limited.BytesInProgress);
        }

        [Fact]
        public void AnotherGroupDoesNotTakeOverFilesInProgress()
        {
            string output = _temp.Combine("durable");
            List<DataFileChunk> chunks = ChunkFactory.Split(TestData.Bytes(3000), 1024);
            var first = new DirectoryTarget(output, "topic", "group-a");
            var firstRun = new Reassembler(first, "topic");
            firstRun.Accept(chunks[0], Next());
            firstRun.Persist();
            first.Cleanup();

            var other = new DirectoryTarget(output, "topic", "group-b", minimumStagingAge: TimeSpan.Zero);
            using var otherRun = new Reassembler(other, "topic");

            Assert.Equal(0, otherRun.FilesInProgress);
            Assert.Single(Directory.GetFiles(Path.Combine(output, ".openmsistream", "staging"), "*.part", SearchOption.AllDirectories));
            other.Cleanup();
        }

        [Fact]
        public void AFileReceivedInAnEarlierRunIsRecognisedByItsGroupAndReceivedAgainByANewGroup()
        {
            string output = _temp.Combine("durable");
            List<DataFileChunk> chunks = ChunkFactory.Split(TestData.Bytes(3000), 1024);
            var first = new DirectoryTarget(output, "topic", "group");
            var firstRun = new Reassembler(first, "topic");
            Assert.Equal(ChunkResultKind.Completed, chunks.Select(c => firstRun.Accept(c, Next())).ToList().Last().Kind);
            firstRun.Dispose();
            first.Cleanup();

            var sameGroup = new DirectoryTarget(output, "topic", "group");
            using (var sameGroupRun = new Reassembler(sameGroup, "topic"))
            {
                Assert.All(chunks.Select(c => sameGroupRun.Accept(c, Next())).ToList(), r => Assert.Equal(ChunkResultKind.Duplicate, r.Kind));
            }
            sameGroup.Cleanup();

            File.Delete(Path.Combine(output, "file.dat"));
            var newGroup = new DirectoryTarget(output, "topic", "new-group");
            using (var newGroupRun = new Reassembler(newGroup, "topic"))
            {
                Assert.Equal(ChunkResultKind.Completed, chunks.Select(c => newGroupRun.Accept(c, Next())).ToList().Last().Kind);
            }
            newGroup.Cleanup();
            Assert.True(File.Exists(Path.Combine(output, "file.dat")));
        }

        [Fact]
        public void AVersionSentLaterWinsEvenWithAnOlderMtimeAndAnEarlierVersionReadAgainIsStale()
        {
            DateTime t0 = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
            byte[] original = TestData.Bytes(500, seed: 1), copiedBack = TestData.Bytes(500, seed: 2);
            DataFileChunk first = ChunkFactory.Split(original, 1024, mtime: 2000).Single();
            DataFileChunk older = ChunkFactory.Split(copiedBack, 1024, mtime: 1000).Single(); // a file copied back with its old mtime

            ChunkResult a = _reassembler.Accept(first, new MessagePosition(0, 1, t0));
            ChunkResult b = _reassembler.Accept(older, new MessagePosition(0, 2, t0.AddMinutes(5)));
            ChunkResult again = _reassembler.Accept(first, new MessagePosition(0, 1, t0)); // read again after a restart

            Assert.Equal(ChunkResultKind.Completed, a.Kind);
            Assert.Equal(ChunkResultKind.Completed, b.Kind);
            Assert.Equal(ChunkResultKind.Stale, again.Kind);
            Assert.Equal(copiedBack, File.ReadAllBytes(Path.Combine(_output, "file.dat")));
        }

        [Fact]
        public void AStagedFileAnotherMemberCompletedMeanwhileIsDroppedWhenTakenOver()
        {
            string output = _temp.Combine("durable");
            List<DataFileChunk> chunks = ChunkFactory.Split(TestData.Bytes(3000), 1024);
            var other = new DirectoryTarget(output, "topic", "group"); // a live member of the group
            var killed = new DirectoryTarget(output, "topic", "group");
            var killedRun = new Reassembler(killed, "topic");
            killedRun.Accept(chunks[0], Next());
            killedRun.Persist();
            killed.Cleanup(); // killed: its file stays staged

            using (var otherRun = new Reassembler(other, "topic")) // got the partition and rebuilt the file from the topic
            {
                Assert.Equal(ChunkResultKind.Completed, chunks.Select(c => otherRun.Accept(c, Next())).ToList().Last().Kind);
            }
            other.Cleanup();
            Assert.Single(Directory.GetFiles(Path.Combine(output, ".openmsistream", "staging"), "*.part", SearchOption.AllDirectories));

            var restarted = new DirectoryTarget(output, "topic", "group");
            using var restartedRun = new Reassembler(restarted, "topic");

            Assert.Equal(0, restartedRun.FilesInProgress);
            Assert.Empty(Directory.GetFiles(Path.Combine(output, ".openmsistream", "staging"), "*.part", SearchOption.AllDirectories));
            restarted.Cleanup();
        }

        [Fact]
        public void InMemoryTheBytesAreHandedOver()
        {
            using var memory = new Reassembler(new MemoryTarget(1 << 20), "topic");
            byte[] content = TestData.Bytes(5000);

            ChunkResult last = ChunkFactory.Split(content, 1024).AsEnumerable().Reverse().Select(c => memory.Accept(c, Next())).ToList().Last();

            Assert.Null(last.File!.FullName);
            Assert.Equal(content, last.File.Bytes);
        }

        [Fact]
        public void AFileOverTheMemoryLimitFailsOnceOnItsFirstChunk()
        {
            using var memory = new Reassembler(new MemoryTarget(4096), "topic");
            List<DataFileChunk> chunks = ChunkFactory.Split(TestData.Bytes(10_000), 1024);

            List<ChunkResult> results = chunks.Select(c => memory.Accept(c, Next())).ToList();

            Assert.Equal(ErrorIds.FileTooLargeForMemory, results[0].Error!.ErrorId);
            Assert.Equal("'file.dat' is larger than the in-memory limit of 4096 bytes; receive it with -OutputDirectory, or raise -MaxMemoryFileSize.", results[0].Error!.Message);
            Assert.All(results.Skip(1), r => Assert.Equal(ChunkResultKind.Duplicate, r.Kind));
        }

        private ChunkResult Accept(DataFileChunk chunk) => _reassembler.Accept(chunk, Next());

        private ChunkResult Accept(DataFileChunk chunk, int partition, long offset, DateTime? sentAtUtc = null) =>
            _reassembler.Accept(chunk, new MessagePosition(partition, offset, sentAtUtc));

        // Materialised: LINQ's Select(...).Last() on a list would only run the selector for the last item.
        private List<ChunkResult> AcceptAll(IEnumerable<DataFileChunk> chunks) => chunks.Select(Accept).ToList();

        private MessagePosition Next() => new MessagePosition(0, _nextOffset++);
    }
}
