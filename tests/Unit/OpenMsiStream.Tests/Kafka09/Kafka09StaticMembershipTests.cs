using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using OpenMsiStream.Config;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Download;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using Xunit;

namespace OpenMsiStream.Tests.Kafka09
{
    /// <summary>
    /// Static membership needs Kafka 2.3. On a broker the config pins as older (Kafka 0.9 here) a
    /// program id must not make a receiver static: librdkafka would not send the id, yet would skip
    /// leaving the group when it stops, and a restart would wait for the old session to time out.
    /// </summary>
    [Collection(Kafka09Collection.Name)]
    public sealed class Kafka09StaticMembershipTests : IDisposable
    {
        private readonly Kafka09Fixture _kafka;
        private readonly TempDirectory _temp = new TempDirectory("kafka09-static");

        public Kafka09StaticMembershipTests(Kafka09Fixture kafka)
        {
            _kafka = kafka;
            _kafka.EnsureBrokerRunning();
        }

        public void Dispose() => _temp.Dispose();

        [Fact]
        public async Task AReceiverWithAProgramIdIsADynamicMemberOnKafka09AndARestartGetsThePartitionsBeforeTheSessionTimeout()
        {
            string topic = "static-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string config = _temp.Combine("kafka09.config");
            // 30 s, the most a Kafka 0.9 coordinator allows: long enough that a member that did not leave shows.
            _kafka.Broker.WriteConfigFile(config, "[consumer]\nsession.timeout.ms = 30000\nheartbeat.interval.ms = 1000\n");
            KafkaSettings settings = KafkaSettings.FromFile(config);
            string source = _temp.Combine("source");
            _temp.WriteFile(Path.Combine("source", "a.dat"), TestData.Bytes(5000, 3));
            using (var sender = new FileSender(settings, new SendOptions(topic)))
            {
                sender.Connect(default);
                await sender.SendAsync(FileToSend.Create(Path.Combine(source, "a.dat"), source), null, default);
            }

            using (var first = StaticMembershipTests.RunningReceiver.Start(settings, topic, "group-09", programId: "lab-pc-a"))
            {
                Assert.Null(first.Receiver.GroupInstanceId);
                await StaticMembershipTests.WaitFor(() => first.Observer.Files.Count == 1, "the file to arrive");
                Assert.DoesNotContain(first.Events, e => e.Contains("static member"));
                first.Stop();
            }
            using var restarted = StaticMembershipTests.RunningReceiver.Start(settings, topic, "group-09", programId: "lab-pc-a");
            await StaticMembershipTests.WaitFor(() => restarted.Assigned.Count == 2, "the restarted receiver to get both partitions, well before the 30 s session timeout", TimeSpan.FromSeconds(20));
            Assert.Empty(restarted.Observer.Files); // committed by the first run
        }
    }
}
