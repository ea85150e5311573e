using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Tests.Wire;
using OpenMsiStream.Upload;
using OpenMsiStream.Wire;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.Kafka
{
    /// <summary>Send and receive through the embedded broker with the real Confluent.Kafka client over TCP.</summary>
    public class EndToEndTests : IDisposable
    {
        private const string Topic = "lab-data";
        private static readonly TimeSpan Idle = TimeSpan.FromSeconds(20);
        private readonly TempDirectory _temp = new TempDirectory("e2e");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(4, Topic);

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        /// <summary>Names a lab really produces, and the ones that broke OpenMSIStream's registries.</summary>
        public static readonly string[] AwkwardNames =
        {
            "plain.dat",
            "with space/Messung 01.csv",
            "tab\tin name.txt",
            "quotes 'single' and \"double\".txt",
            "semi;colon; STO on Si.zip",
            "Proben ü/Größe µm — 測定.bin",
            "empty.dat",
            "deep/a/b/c/multi-chunk.raw",
        };

        [Fact]
        public async Task FilesWithAwkwardNamesArriveByteIdentical()
        {
            string source = _temp.Combine("source");
            var contents = new Dictionary<string, byte[]>();
            for (int i = 0; i < AwkwardNames.Length; i++)
            {
                byte[] content = AwkwardNames[i] == "empty.dat" ? Array.Empty<byte>() : TestData.Bytes(AwkwardNames[i].EndsWith(".raw") ? 200_000 : 3000 + i, seed: i);
                contents[AwkwardNames[i]] = content;
                _temp.WriteFile(Path.Combine("source", AwkwardNames[i]), content);
            }

            List<SentFile> sent = await SendAll(source, chunkSize: 16384);
            (ReceiveSummary summary, RecordingObserver observed) = Receive(new ReceiveOptions(Topic) { OutputDirectory = _temp.Combine("out"), Count = AwkwardNames.Length, IdleTimeout = Idle });

            Assert.Equal(ReceiveStopReason.CountReached, summary.StopReason);
            Assert.Empty(observed.Errors);
            Assert.Equal(AwkwardNames.OrderBy(n => n, StringComparer.Ordinal), TestData.RelativeFiles(_temp.Combine("out")));
            foreach (string name in AwkwardNames)
            {
                Assert.Equal(contents[name], File.ReadAllBytes(Path.Combine(_temp.Combine("out"), name)));
                ReceivedFile received = observed.Files.Single(f => f.RelativePath == name);
                Assert.Equal(sent.Single(s => s.RelativePath == name).Sha512, received.Sha512);
                Assert.Equal(TestData.Sha512Hex(contents[name]), received.Sha512);
            }
            Assert.Equal(13, sent.Single(s => s.RelativePath.EndsWith(".raw")).ChunkCount);
        }

        [Fact]
        public async Task EveryChunkOfAFileGoesToOnePartitionWithOpenMsiStreamKeys()
        {
            string source = _temp.Combine("source");
            for (int i = 0; i < 6; i++)
            {
                _temp.WriteFile(Path.Combine("source", "run" + i, "scan.raw"), TestData.Bytes(50_000, seed: i));
            }

            List<SentFile> sent = await SendAll(source, chunkSize: 16384);
            List<ConsumeResult<byte[], byte[]>> raw = _broker.ReadAllRaw(Topic, expected: 6 * 4);

            Assert.Equal(24, raw.Count);
            foreach (IGrouping<string, ConsumeResult<byte[], byte[]>> file in raw.GroupBy(r => Encoding.UTF8.GetString(r.Message.Key).Split("_chunk_")[0]))
            {
                Assert.Single(file.Select(r => r.Partition.Value).Distinct());
                Assert.Equal(new[] { "1_of_4", "2_of_4", "3_of_4", "4_of_4" }, file.Select(r => Encoding.UTF8.GetString(r.Message.Key).Split("_chunk_")[1]).OrderBy(k => k));
                SentFile matching = sent.Single(s => file.Key == s.RelativePath.Split('/')[0] + "_scan.raw");
                Assert.Equal(matching.Partition, file.First().Partition.Value);
            }
            Assert.True(sent.Select(s => s.Partition).Distinct().Count() > 1, "six files should not all hash to one of four partitions");
        }

        [Fact]
        public async Task AGroupResumesAfterWhatItCommittedAndReadsNothingTwice()
        {
            string source = _temp.Combine("source");
            for (int i = 0; i < 5; i++)
            {
                _temp.WriteFile(Path.Combine("source", $"file{i}.dat"), TestData.Bytes(40_000, seed: i));
            }
            await SendAll(source, chunkSize: 16384);

            OpenMsiStream.Config.KafkaSettings settings = ShortSessionSettings();
            (_, RecordingObserver first) = Receive(new ReceiveOptions(Topic) { GroupId = "archive", OutputDirectory = _temp.Combine("out"), Count = 2, IdleTimeout = Idle }, settings);
            (ReceiveSummary rest, RecordingObserver second) = Receive(new ReceiveOptions(Topic) { GroupId = "archive", OutputDirectory = _temp.Combine("out"), IdleTimeout = TimeSpan.FromSeconds(3) }, settings);

            Assert.Equal(2, first.Files.Count);
            Assert.Equal(3, second.Files.Count);
            Assert.Empty(first.Files.Select(f => f.RelativePath).Intersect(second.Files.Select(f => f.RelativePath)));
            Assert.Equal(ReceiveStopReason.IdleTimeout, rest.StopReason);
            Assert.Equal(5, TestData.RelativeFiles(_temp.Combine("out")).Length);
        }

        [Fact]
        public async Task ACountIsExactWhileGroupsAreMadeDurableBesideTheConsumerAndTheRestFollowOnce()
        {
            // 600 one-chunk files: many groups, each made durable on a worker while the next is read.
            string source = _temp.Combine("source");
            for (int i = 0; i < 600; i++)
            {
                _temp.WriteFile(Path.Combine("source", $"small{i:D3}.dat"), TestData.Bytes(1000, seed: i));
            }
            await SendAll(source, chunkSize: 16384);

            OpenMsiStream.Config.KafkaSettings settings = ShortSessionSettings();
            string output = _temp.Combine("out");
            (ReceiveSummary counted, RecordingObserver first) = Receive(new ReceiveOptions(Topic) { GroupId = "counted", OutputDirectory = output, Count = 250, IdleTimeout = Idle }, settings);
            Assert.Equal(ReceiveStopReason.CountReached, counted.StopReason);
            Assert.Equal(250, first.Files.Count);
            Assert.Equal(250, TestData.RelativeFiles(output).Length); // none past the count went into place

            (_, RecordingObserver second) = Receive(new ReceiveOptions(Topic) { GroupId = "counted", OutputDirectory = output, IdleTimeout = TimeSpan.FromSeconds(3) }, settings);

            Assert.Equal(350, second.Files.Count);
            Assert.Empty(first.Files.Select(f => f.RelativePath).Intersect(second.Files.Select(f => f.RelativePath)));
            string[] received = TestData.RelativeFiles(output);
            Assert.Equal(600, received.Length);
            for (int i = 0; i < 600; i += 37)
            {
                Assert.Equal(TestData.Bytes(1000, seed: i), File.ReadAllBytes(Path.Combine(output, $"small{i:D3}.dat")));
            }
        }

        [Fact]
        public void OpenMsiStreamsOwnMessagesAreRebuiltIncludingTheLegacyForm()
        {
            var messages = OpenMsiStreamVectors.Messages.Where(m => m.Name != "sample_1")
                .Append(OpenMsiStreamVectors.Legacy)
                .Select(m => (m.Key, m.Value));
            _broker.ProduceRaw(Topic, messages);

            (_, RecordingObserver observed) = Receive(new ReceiveOptions(Topic) { OutputDirectory = _temp.Combine("out"), Count = 2, IdleTimeout = Idle });

            Assert.Empty(observed.Errors);
            Assert.Equal(OpenMsiStreamVectors.Input("sub/dir/sample.dat"), File.ReadAllBytes(_temp.Combine("out", "sub", "dir", "sample.dat")));
            Assert.Equal(OpenMsiStreamVectors.Input("top.bin"), File.ReadAllBytes(_temp.Combine("out", "top.bin")));
        }

        [Fact]
        public void AHostileMessageIsQuarantinedNothingIsWrittenOutsideAndTheConsumerGoesOn()
        {
            byte[] hostile = UntrustedMessageTests.Build(subdirectory: "../../../escaped", rawFilename: "evil.sh"u8.ToArray(), data: "rm -rf /"u8.ToArray());
            byte[] absolute = UntrustedMessageTests.Build(subdirectory: "/tmp", rawFilename: "owned"u8.ToArray());
            byte[] faraway = UntrustedMessageTests.Build(rawFilename: "far.dat"u8.ToArray(), offset: 1L << 62, index: 2, total: 2);
            byte[] fine = UntrustedMessageTests.Build(rawFilename: "fine.dat"u8.ToArray(), data: new byte[] { 7, 7, 7 });
            _broker.ProduceRaw(Topic, new[] { (Key("h1"), hostile), (Key("h2"), absolute), (Key("h3"), faraway), (Key("ok"), fine) }, partition: 0);
            string output = _temp.Combine("sandbox", "out");
            Directory.CreateDirectory(output);

            (_, RecordingObserver observed) = Receive(new ReceiveOptions(Topic) { OutputDirectory = output, Count = 1, IdleTimeout = Idle });

            Assert.Equal(new string[] { ErrorIds.UnsafePath, ErrorIds.UnsafePath, ErrorIds.InconsistentChunks }, observed.Errors.Select(e => e.ErrorId));
            Assert.Contains("Refused to write '../../../escaped/evil.sh': it contains '..'. Nothing was written.", observed.Errors[0].Message);
            Assert.Equal(new[] { "fine.dat" }, TestData.RelativeFiles(output));
            Assert.Equal(new[] { "out" }, Directory.GetFileSystemEntries(_temp.Combine("sandbox")).Select(Path.GetFileName));
            Assert.False(File.Exists("/tmp/owned"));
            string[] quarantined = Directory.GetFiles(Path.Combine(output, ".openmsistream", "quarantine"), "*.value.bin");
            Assert.Equal(2, quarantined.Length);
            Assert.Contains(quarantined, q => File.ReadAllBytes(q).SequenceEqual(hostile));
        }

        [Fact]
        public void ACorruptChunkIsQuarantinedAndTheRestStillArrives()
        {
            byte[] corrupt = UntrustedMessageTests.Build(rawFilename: "bad.dat"u8.ToArray(), data: new byte[] { 1, 2, 3 });
            corrupt[corrupt.Length - 10] ^= 0xff;
            byte[] garbage = Encoding.UTF8.GetBytes("this is not msgpack");
            byte[] fine = UntrustedMessageTests.Build(rawFilename: "fine.dat"u8.ToArray());
            _broker.ProduceRaw(Topic, new[] { (Key("c"), corrupt), (Key("g"), garbage), (Key("f"), fine) }, partition: 1);
            string output = _temp.Combine("out");

            (_, RecordingObserver observed) = Receive(new ReceiveOptions(Topic) { OutputDirectory = output, Count = 1, IdleTimeout = Idle });

            Assert.Equal(new string[] { ErrorIds.CorruptChunk, ErrorIds.UndecodableMessage }, observed.Errors.Select(e => e.ErrorId));
            Assert.Contains($"(message at topic '{Topic}', partition 1, offset 0, kept in '", observed.Errors[0].Message);
            Assert.Equal(new[] { "fine.dat" }, TestData.RelativeFiles(output));
            Assert.Equal(garbage, File.ReadAllBytes(Path.Combine(output, ".openmsistream", "quarantine", $"{Topic}_p1_o1.value.bin")));
        }

        [Fact]
        public void AFileWhoseProducerStoppedMidwayIsGivenUpAndNoLongerHoldsCommitsBack()
        {
            byte[] firstThird = UntrustedMessageTests.Build(rawFilename: "half.dat"u8.ToArray(), index: 1, total: 3, data: TestData.Bytes(100));
            byte[] whole = UntrustedMessageTests.Build(rawFilename: "whole.dat"u8.ToArray(), data: TestData.Bytes(100, seed: 2));
            _broker.ProduceRaw(Topic, new[] { (Key("a"), firstThird), (Key("b"), whole) }, partition: 2);
            OpenMsiStream.Config.KafkaSettings settings = ShortSessionSettings();

            (_, RecordingObserver first) = Receive(new ReceiveOptions(Topic) { GroupId = "stall", OutputDirectory = _temp.Combine("out"), StalledFileTimeout = TimeSpan.FromSeconds(1), IdleTimeout = TimeSpan.FromSeconds(4) }, settings);
            (ReceiveSummary second, _) = Receive(new ReceiveOptions(Topic) { GroupId = "stall", OutputDirectory = _temp.Combine("out"), IdleTimeout = TimeSpan.FromSeconds(3) }, settings);

            Assert.Equal("whole.dat", Assert.Single(first.Files).RelativePath);
            OpenMsiStreamException gaveUp = Assert.Single(first.Errors);
            Assert.Equal(ErrorIds.IncompleteFileAbandoned, gaveUp.ErrorId);
            Assert.StartsWith("Stopped waiting for 'half.dat': 1 of 3 chunks arrived", gaveUp.Message);
            Assert.Equal(0, second.Messages); // both messages were committed
        }

        [Fact]
        public async Task FilesCanBeReceivedIntoMemoryAndFiltered()
        {
            string source = _temp.Combine("source");
            _temp.WriteFile(Path.Combine("source", "keep", "a.csv"), TestData.Bytes(100, seed: 1));
            _temp.WriteFile(Path.Combine("source", "skip", "b.csv"), TestData.Bytes(100, seed: 2));
            _temp.WriteFile(Path.Combine("source", "keep", "c.csv"), TestData.Bytes(30_000, seed: 3));
            await SendAll(source, chunkSize: 16384);

            (_, RecordingObserver observed) = Receive(new ReceiveOptions(Topic) { Filter = new Regex("^keep/"), Count = 2, IdleTimeout = Idle });

            Assert.Equal(new[] { "keep/a.csv", "keep/c.csv" }, observed.Files.Select(f => f.RelativePath).OrderBy(p => p));
            Assert.All(observed.Files, f => Assert.Null(f.FullName));
            Assert.Equal(TestData.Bytes(30_000, seed: 3), observed.Files.Single(f => f.RelativePath == "keep/c.csv").Bytes);
        }

        [Fact]
        public void AnUnreachableBrokerFailsFastWithTheReason()
        {
            using var sender = new FileSender(OpenMsiStream.Config.KafkaSettings.FromBootstrapServers("127.0.0.1:1"), new SendOptions(Topic) { ConnectTimeout = TimeSpan.FromSeconds(3) });

            var error = Assert.Throws<OpenMsiStreamException>(() => sender.Connect(default));

            Assert.Equal(ErrorIds.BrokerUnreachable, error.ErrorId);
            Assert.StartsWith("Cannot reach the Kafka broker at 127.0.0.1:1 (the command line): ", error.Message);
            Assert.Contains("Connection refused", error.Message);
            Assert.EndsWith("Check that the broker is running and reachable from this computer and that bootstrap.servers is right.", error.Message);
        }

        [Fact]
        public void AnUnreachableBrokerEndsAReceiverWithTheReasonNotTheTransportFailure()
        {
            // A consumer's error callbacks arrive only while it is polled: the probe must poll it, or the
            // reason ("Connection refused") is lost and the receiver waits for the whole connect timeout.
            using var receiver = new FileReceiver(OpenMsiStream.Config.KafkaSettings.FromBootstrapServers("127.0.0.1:1"), new ReceiveOptions(Topic) { OutputDirectory = _temp.Combine("out") });

            var error = Assert.Throws<OpenMsiStreamException>(() => receiver.Run(new RecordingObserver(), default));

            Assert.Equal(ErrorIds.BrokerUnreachable, error.ErrorId);
            Assert.StartsWith("Cannot reach the Kafka broker at 127.0.0.1:1 (the command line): ", error.Message);
            Assert.Contains("Connection refused", error.Message);
            Assert.DoesNotContain("Broker transport failure", error.Message);
        }

        [Fact]
        public async Task CancellingAReceiverStopsItPromptly()
        {
            using var receiver = new FileReceiver(_broker.Settings, new ReceiveOptions(Topic) { OutputDirectory = _temp.Combine("out") });
            using var cancel = new CancellationTokenSource();
            var observer = new RecordingObserver();
            Task<ReceiveSummary> run = Task.Run(() => receiver.Run(observer, cancel.Token));
            await Task.Delay(1000);

            var clock = System.Diagnostics.Stopwatch.StartNew();
            cancel.Cancel();
            ReceiveSummary summary = await run;

            Assert.Equal(ReceiveStopReason.Cancelled, summary.StopReason);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"stopping took {clock.Elapsed}");
        }

        private static byte[] Key(string text) => Encoding.UTF8.GetBytes(text);

        /// <summary>Tests that run one group twice shorten its session (<see cref="EmbeddedBroker.ShortSessionSettings"/>).</summary>
        private OpenMsiStream.Config.KafkaSettings ShortSessionSettings() => _broker.ShortSessionSettings(_temp);

        private async Task<List<SentFile>> SendAll(string root, int chunkSize)
        {
            using var sender = new FileSender(_broker.Settings, new SendOptions(Topic) { ChunkSize = chunkSize });
            sender.Connect(default);
            var sends = Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(path => sender.SendAsync(FileToSend.Create(path, root), null, default)).ToList();
            return (await Task.WhenAll(sends)).ToList();
        }

        private (ReceiveSummary, RecordingObserver) Receive(ReceiveOptions options, OpenMsiStream.Config.KafkaSettings? settings = null)
        {
            var observer = new RecordingObserver();
            using var receiver = new FileReceiver(settings ?? _broker.Settings, options);
            ReceiveSummary summary = receiver.Run(observer, default);
            return (summary, observer);
        }
    }
}
