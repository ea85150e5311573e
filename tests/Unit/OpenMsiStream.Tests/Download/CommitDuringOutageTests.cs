using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Download;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using Xunit;

namespace OpenMsiStream.Tests.Download
{
    /// <summary>
    /// Every broker goes away while a receiver's offset commit is on the wire. A synchronous commit then
    /// held the consume thread until the broker came back (minutes, on the embedded broker): the receiver
    /// said nothing about the outage and did not stop when cancelled. Its commits now run in librdkafka's
    /// background, so the consume thread never waits for the network.
    /// </summary>
    public sealed class CommitDuringOutageTests : IDisposable
    {
        private const string Topic = "commit-outage";
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(1, Topic);
        private readonly TempDirectory _temp = new TempDirectory("commit-outage");

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task AReceiverWhoseCommitIsOnTheWireWhenEveryBrokerGoesAwaySaysSoAndStopsWhenCancelled()
        {
            // Commits are answered 5 s late: the brokers go away as soon as the commit of the file sent now
            // (the receiver's first) has arrived, so it is on the wire then.
            const short offsetCommit = 8;
            _broker.Broker.DelayNextAnswers(offsetCommit, count: 3, TimeSpan.FromSeconds(5));
            _broker.Broker.TrackRequests();
            using var receiver = new FileReceiver(_broker.ShortSessionSettings(_temp), new ReceiveOptions(Topic) { GroupId = "archive", OutputDirectory = _temp.Combine("out") });
            using var cancel = new CancellationTokenSource();
            var observer = new RecordingObserver();
            Task<ReceiveSummary> run = Task.Factory.StartNew(() => receiver.Run(observer, cancel.Token), TaskCreationOptions.LongRunning);

            string file = _temp.Combine("run 1.dat");
            File.WriteAllBytes(file, TestData.Bytes(5000, seed: 4));
            using (var sender = new FileSender(_broker.Settings, new SendOptions(Topic)))
            {
                sender.Connect(default);
                await sender.SendAsync(FileToSend.Create(file, _temp.Path), null, default);
            }
            await StaticMembershipTests.WaitFor(() => observer.Files.Count == 1, "the file to be received", Long, () => string.Join("\n", observer.Warnings));
            await StaticMembershipTests.WaitFor(() => _broker.Broker.Requests().Any(r => r.ApiKey == offsetCommit), "the receiver's commit to reach the broker", Long);
            _broker.Broker.SetReachable(false);

            await StaticMembershipTests.WaitFor(() => observer.Warnings.Any(w => w.Contains("has been unreachable for")), "the receiver to say the broker is unreachable", Long,
                () => string.Join("\n", observer.Warnings));
            Assert.False(run.IsCompleted, "the receiver stopped during the outage");
            var clock = Stopwatch.StartNew();
            cancel.Cancel();
            ReceiveSummary summary = await run.WaitAsync(Long);

            Assert.Equal(ReceiveStopReason.Cancelled, summary.StopReason);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stopping during the outage took {clock.Elapsed}");
            Assert.DoesNotContain(observer.Warnings, w => w.StartsWith("Could not commit", StringComparison.Ordinal)); // the outage's own warning says it
        }
    }
}
