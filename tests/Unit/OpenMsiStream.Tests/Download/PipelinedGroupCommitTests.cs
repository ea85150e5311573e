using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using OpenMsiStream.Download;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Wire;
using Xunit;

namespace OpenMsiStream.Tests.Download
{
    /// <summary>
    /// A group of completed files made durable on a worker thread (<see cref="Reassembler.BeginCommit"/>)
    /// while the consumer thread goes on: files are still reported only once they are in place and
    /// recorded, a chunk of a path on its way waits for it, and nothing outlives the receiver. The real
    /// output directory is written; the target only holds its group at a gate the test opens.
    /// </summary>
    public class PipelinedGroupCommitTests : IDisposable
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
        private readonly TempDirectory _temp = new TempDirectory("pipelined-commit");

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void BeginCommitReturnsWhileTheGroupIsOnItsWayAndItsFilesAreReportedOnlyOnceInPlace()
        {
            string output = _temp.Combine("out");
            var target = new GatedTarget(new DirectoryTarget(output, "topic", "group"));
            using (var reassembler = new Reassembler(target, "topic", groupCommit: true))
            {
                List<byte[]> first = AcceptFiles(reassembler, "first", 3, offset: 0);

                reassembler.BeginCommit();

                Assert.True(target.Entered.Wait(Patience)); // on its way, held at the gate
                Assert.Equal(3, reassembler.FilesDelivering);
                Assert.Equal(0, reassembler.FilesCompleting);
                Assert.Empty(reassembler.TakeCommitted());
                Assert.False(File.Exists(Path.Combine(output, "first0.dat")));

                List<byte[]> second = AcceptFiles(reassembler, "second", 2, offset: 3); // the consumer thread reads on meanwhile
                Assert.Equal(2, reassembler.FilesCompleting);

                target.Gate.Set();
                reassembler.FinishDelivery();
                IReadOnlyList<ChunkResult> firstResults = reassembler.TakeCommitted();
                Assert.Equal(3, firstResults.Count);
                Assert.All(firstResults, r => Assert.Equal(ChunkResultKind.Completed, r.Kind));
                Assert.Equal(new long[] { 0, 1, 2 }, firstResults.SelectMany(r => r.Resolved).Select(p => p.Offset).OrderBy(o => o));
                for (int i = 0; i < first.Count; i++)
                {
                    Assert.Equal(first[i], File.ReadAllBytes(Path.Combine(output, $"first{i}.dat")));
                }
                Assert.False(File.Exists(Path.Combine(output, "second0.dat")));

                reassembler.CommitCompleted();
                Assert.Equal(new long[] { 3, 4 }, reassembler.TakeCommitted().SelectMany(r => r.Resolved).Select(p => p.Offset).OrderBy(o => o));
                Assert.Equal(second[1], File.ReadAllBytes(Path.Combine(output, "second1.dat")));
                Assert.Equal(0, reassembler.FilesDelivering);
            }
            target.Inner.Cleanup();
        }

        [Fact]
        public void AChunkOfAPathOnItsWayIntoPlaceWaitsForItsGroupAndIsJudgedAgainstIt()
        {
            string output = _temp.Combine("out");
            var target = new GatedTarget(new DirectoryTarget(output, "topic", "group"));
            byte[] older = TestData.Bytes(300, seed: 1), newer = TestData.Bytes(400, seed: 2);
            using (var reassembler = new Reassembler(target, "topic", groupCommit: true))
            {
                reassembler.Accept(ChunkFactory.Split(older, 1024, mtime: 1000).Single(), new MessagePosition(0, 0));
                reassembler.BeginCommit();
                Assert.True(target.Entered.Wait(Patience));
                Thread opener = OpenLater(target);

                ChunkResult second = reassembler.Accept(ChunkFactory.Split(newer, 1024, mtime: 2000).Single(), new MessagePosition(0, 1));

                Assert.True(target.Delivered >= 1, "the chunk was judged before the group holding its path was in place");
                ChunkResult first = Assert.Single(reassembler.TakeCommitted());
                Assert.Equal(ChunkResultKind.Completed, first.Kind);
                Assert.Equal(ChunkResultKind.InProgress, second.Kind); // a newer version, waiting for its own group
                reassembler.CommitCompleted();
                Assert.Equal(ChunkResultKind.Completed, Assert.Single(reassembler.TakeCommitted()).Kind);
                Assert.Equal(newer, File.ReadAllBytes(Path.Combine(output, "file.dat")));
                opener.Join();

                // The same version read again is a duplicate: the worker's record is the one judged against.
                Assert.Equal(ChunkResultKind.Duplicate, reassembler.Accept(ChunkFactory.Split(newer, 1024, mtime: 2000).Single(), new MessagePosition(0, 2)).Kind);
            }
            target.Inner.Cleanup();
        }

        [Fact]
        public void AFailureOfTheDeliveryItselfIsThrownOnTheConsumerThreadAsItWas()
        {
            string output = _temp.Combine("out");
            var target = new GatedTarget(new DirectoryTarget(output, "topic", "group")) { Failure = new InvalidOperationException("the disk controller went away") };
            target.Gate.Set();
            using (var reassembler = new Reassembler(target, "topic", groupCommit: true))
            {
                AcceptFiles(reassembler, "f", 2, offset: 0);
                reassembler.BeginCommit(); // returns: the failure happens on the worker

                var thrown = Assert.Throws<InvalidOperationException>(() => reassembler.FinishDelivery());

                Assert.Equal("the disk controller went away", thrown.Message);
                Assert.Equal(0, reassembler.FilesDelivering);
            }
            target.Inner.Cleanup();
        }

        [Fact]
        public void DisposeWaitsForTheGroupOnItsWaySoNothingTouchesTheOutputAfterwards()
        {
            string output = _temp.Combine("out");
            var target = new GatedTarget(new DirectoryTarget(output, "topic", "group"));
            var reassembler = new Reassembler(target, "topic", groupCommit: true);
            List<byte[]> contents = AcceptFiles(reassembler, "f", 2, offset: 0);
            reassembler.BeginCommit();
            Assert.True(target.Entered.Wait(Patience));
            Thread opener = OpenLater(target);

            reassembler.Dispose();

            Assert.Equal(1, target.Delivered); // finished before Dispose returned, not after the registry was closed
            Assert.Equal(contents[0], File.ReadAllBytes(Path.Combine(output, "f0.dat")));
            opener.Join();
            target.Inner.Cleanup();
        }

        /// <summary>Opens the gate 300 ms from now, on a thread of its own, while the test's thread is blocked in the call under test.</summary>
        private static Thread OpenLater(GatedTarget target)
        {
            var opener = new Thread(() =>
            {
                Thread.Sleep(300);
                target.Gate.Set();
            });
            opener.Start();
            return opener;
        }

        private static List<byte[]> AcceptFiles(Reassembler reassembler, string prefix, int count, long offset)
        {
            var contents = new List<byte[]>();
            for (int i = 0; i < count; i++)
            {
                byte[] content = TestData.Bytes(500 + i, seed: (int)offset + i);
                contents.Add(content);
                ChunkResult accepted = reassembler.Accept(ChunkFactory.Split(content, 1024, filename: $"{prefix}{i}.dat").Single(), new MessagePosition(0, offset + i));
                Assert.Equal(ChunkResultKind.InProgress, accepted.Kind);
            }
            return contents;
        }

        /// <summary>The real output directory, whose <see cref="Deliver"/> waits at a gate the test opens (or fails as told).</summary>
        private sealed class GatedTarget : ReassemblyTarget
        {
            private int _delivered;

            public GatedTarget(DirectoryTarget inner) => Inner = inner;

            public DirectoryTarget Inner { get; }

            public ManualResetEventSlim Entered { get; } = new ManualResetEventSlim();

            public ManualResetEventSlim Gate { get; } = new ManualResetEventSlim();

            public Exception? Failure { get; set; }

            /// <summary>Groups delivered to the end.</summary>
            public int Delivered => Volatile.Read(ref _delivered);

            public override IChunkStore CreateStore(string relativePath, DataFileChunk firstChunk) => Inner.CreateStore(relativePath, firstChunk);

            public override void Deliver(IReadOnlyList<CompletedFile> files, string topic)
            {
                Entered.Set();
                if (!Gate.Wait(Patience))
                {
                    throw new TimeoutException("The test never opened the gate.");
                }
                if (Failure != null)
                {
                    throw Failure;
                }
                Inner.Deliver(files, topic);
                Interlocked.Increment(ref _delivered);
            }

            public override IReadOnlyList<FileAssembly> Restore() => Inner.Restore();

            public override void Persist(IEnumerable<FileAssembly> assemblies) => Inner.Persist(assemblies);

            public override void Record(string relativePath, FileGeneration generation, long length, string stagingName) => Inner.Record(relativePath, generation, length, stagingName);

            public override FileGeneration? FindReceived(string relativePath) => Inner.FindReceived(relativePath);

            public override bool KeepsIncompleteFiles => Inner.KeepsIncompleteFiles;

            public override void Discard(FileAssembly assembly) => Inner.Discard(assembly);
        }
    }
}
