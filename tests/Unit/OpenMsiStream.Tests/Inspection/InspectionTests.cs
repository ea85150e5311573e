using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Inspection;
using OpenMsiStream.Kafka;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Download;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using OpenMsiStream.Wire;
using Xunit;

namespace OpenMsiStream.Tests.Inspection
{
    /// <summary>The topic inventory and the consumer lag, through the embedded broker with the real client.</summary>
    public sealed class InspectionTests : IDisposable
    {
        private const string Topic = "stock";
        private readonly TempDirectory _temp = new TempDirectory("inspection");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, Topic);

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task TheInventoryListsEveryFileWithItsVersionsAndSaysWhichAreIncomplete()
        {
            string first = _temp.WriteFile(Path.Combine("src", "run 1", "scan.raw"), TestData.Bytes(40_000, seed: 1));
            string second = _temp.WriteFile(Path.Combine("src", "notes.csv"), TestData.Bytes(500, seed: 2));
            await Send(_temp.Combine("src"), first, second);
            File.WriteAllBytes(second, TestData.Bytes(700, seed: 3)); // a second version of notes.csv
            File.SetLastWriteTimeUtc(second, DateTime.UtcNow.AddHours(-5)); // older mtime: still the newest send
            await Send(_temp.Combine("src"), second);
            DataFileChunk half = ChunkFactory.Split(TestData.Bytes(3000, seed: 4), 1024, "partial", "half.dat")[0];
            _broker.ProduceRaw(Topic, new[]
            {
                (Encoding.UTF8.GetBytes(ChunkMessageKey.For("partial", "half.dat", 1, 3)), ChunkMessageSerializer.Serialize(half)),
                (Encoding.UTF8.GetBytes("junk"), Encoding.UTF8.GetBytes("not a chunk")),
            });

            (IReadOnlyList<TopicFile> files, TopicInventorySummary summary) = TopicInventory.Take(_broker.Settings, new TopicInventoryOptions(Topic), new ClientDiagnostics(), default);

            Assert.Equal(new[] { "notes.csv", "partial/half.dat", "run 1/scan.raw" }, files.Select(f => f.RelativePath));
            TopicFile notes = files[0], partial = files[1], scan = files[2];
            Assert.Equal(2, notes.Versions.Count);
            Assert.Equal(TestData.Sha512Hex(TestData.Bytes(700, seed: 3)), notes.Sha512); // the newest send, despite its older mtime
            Assert.Equal(700, notes.Length);
            Assert.True(notes.Complete);
            Assert.False(partial.Complete);
            Assert.Equal((1, 3), (partial.ChunksPresent, partial.TotalChunks));
            Assert.Null(partial.Length);
            Assert.Equal((3, 3, 40_000L), (scan.ChunksPresent, scan.TotalChunks, scan.Length!.Value));
            Assert.Equal((3, 2, 1, 1), (summary.Files, summary.Complete, summary.Incomplete, summary.Unreadable));
            Assert.Equal("3 file(s) on topic 'stock': 2 complete, 1 incomplete; 7 message(s), " + ByteSize.Format(summary.Bytes) + "; 1 unreadable.", summary.ToString());

            var filtered = TopicInventory.Take(_broker.Settings, new TopicInventoryOptions(Topic) { Filter = new System.Text.RegularExpressions.Regex(@"\.csv$") }, new ClientDiagnostics(), default);
            Assert.Equal(new[] { "notes.csv" }, filtered.Files.Select(f => f.RelativePath));
            Assert.Equal(4, filtered.Summary.Skipped);
        }

        [Fact]
        public async Task TheLagOfAGroupCountsTheMessagesBytesAndFilesItHasNotHandled()
        {
            string source = _temp.Combine("src");
            string[] paths = Enumerable.Range(0, 3).Select(i => _temp.WriteFile(Path.Combine("src", $"f{i}.dat"), TestData.Bytes(30_000, seed: i))).ToArray();
            await Send(source, paths);
            using (var receiver = new FileReceiver(_broker.Settings, new ReceiveOptions(Topic) { GroupId = "archive", Count = 1, IdleTimeout = TimeSpan.FromSeconds(30) }))
            {
                receiver.Run(new RecordingObserver(), default);
            }

            IReadOnlyList<PartitionLag> lag = ConsumerLag.Measure(_broker.Settings, new LagOptions(Topic) { GroupId = "archive" }, new ClientDiagnostics(), default);
            IReadOnlyList<PartitionLag> fresh = ConsumerLag.Measure(_broker.Settings, new LagOptions(Topic) { GroupId = "never-read" }, new ClientDiagnostics(), default);

            Assert.Equal(2, lag.Count);
            Assert.All(lag, p => Assert.Equal("archive", p.GroupId));
            // One file of three was received and committed: two files, two chunks each, are the backlog.
            Assert.Equal(4, lag.Sum(p => p.Lag));
            Assert.Equal(2, lag.Sum(p => p.IncompleteFiles));
            Assert.InRange(lag.Sum(p => p.LagBytes), 60_000, 62_000);
            Assert.All(lag, p => Assert.False(p.BytesEstimated));
            Assert.Equal(6, fresh.Sum(p => p.Lag));
            Assert.All(fresh, p => Assert.Null(p.Committed));

            var error = Assert.Throws<OpenMsiStreamException>(() => ConsumerLag.Measure(_broker.Settings, new LagOptions(Topic), new ClientDiagnostics(), default));
            Assert.Equal(ErrorIds.ConsumerGroupsUnlisted, error.ErrorId);
        }

        private async Task Send(string root, params string[] paths)
        {
            using var sender = new FileSender(_broker.Settings, new SendOptions(Topic) { ChunkSize = 16384 });
            sender.Connect(default);
            foreach (string path in paths)
            {
                await sender.SendAsync(FileToSend.Create(path, root), null, default);
            }
        }
    }
}
