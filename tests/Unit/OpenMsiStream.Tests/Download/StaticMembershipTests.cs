using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Kafka;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Download
{
    /// <summary>
    /// Kafka's static membership for long-running receivers (group.instance.id from the program id), on
    /// the embedded broker: a member that restarts under its id gets its partitions back without the
    /// other members being rebalanced; without an id, the same restart rebalances them twice.
    /// </summary>
    public sealed class StaticMembershipTests : IDisposable
    {
        private const string Topic = "static";
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(4, Topic);
        private readonly TempDirectory _temp = new TempDirectory("static-membership");

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task OnTheEmbeddedBrokerAProgramIdJoinsAsADynamicMemberAndTheGroupSharesItsPartitionsAgainAfterARestart()
        {
            // librdkafka's mock cluster accepts group.instance.id but implements neither the hand-back nor
            // the fencing: a static member that stops would only linger as a ghost until its session ended.
            KafkaSettings settings = ShortSessions();
            using var other = RunningReceiver.Start(settings, Topic, "group-e", programId: "lab-pc-b");
            using (var first = RunningReceiver.Start(settings, Topic, "group-e", programId: "lab-pc-a"))
            {
                await WaitFor(() => first.Assigned.Count == 2 && other.Assigned.Count == 2, "both members to hold two partitions");
                Assert.Null(first.Receiver.GroupInstanceId);
                Assert.Null(other.Receiver.GroupInstanceId);
                Assert.Contains(first.Events, e => e == "The embedded broker does not implement static group membership: joining group 'group-e' as a dynamic member, not as 'lab-pc-a'.");
                first.Stop();
            }
            await WaitFor(() => other.Assigned.Count == 4, "the other member to take every partition", context: () => string.Join("\n", other.Events));
            using var restarted = RunningReceiver.Start(settings, Topic, "group-e", programId: "lab-pc-a");
            await WaitFor(() => restarted.Assigned.Count == 2 && other.Assigned.Count == 2, "the partitions to be shared again", context: () => string.Join("\n", other.Events));
            Assert.Null(restarted.Receiver.GroupInstanceId);
        }

        [Fact]
        public async Task AnInstanceIdNamedInTheConfigFileIsKeptEvenOnTheEmbeddedBroker()
        {
            string config = _temp.Combine("named.config");
            System.IO.File.WriteAllText(config, $"[broker]\nbootstrap.servers = {_broker.Broker.BootstrapServers}\n[consumer]\ngroup.instance.id = bench-7\n");
            using var receiver = RunningReceiver.Start(KafkaSettings.FromFile(config), Topic, "group-n", programId: "lab-pc-a");
            await WaitFor(() => receiver.Assigned.Count == 4, "the receiver to hold the partitions");
            Assert.Equal("bench-7", receiver.Receiver.GroupInstanceId);
            Assert.Contains(receiver.Events, e => e.EndsWith("as static member 'bench-7'.", StringComparison.Ordinal));
        }

        [Fact]
        public async Task AStaticMemberThatTheBrokerFencesStopsWithStaticMemberFenced()
        {
            // The broker's answer when another program joined with the same group.instance.id (the embedded
            // broker does not fence by itself: its heartbeat answer is made to say so).
            string config = _temp.Combine("fenced.config");
            System.IO.File.WriteAllText(config, $"[broker]\nbootstrap.servers = {_broker.Broker.BootstrapServers}\n[consumer]\ngroup.instance.id = twin\nheartbeat.interval.ms = 500\n");
            using var receiver = RunningReceiver.Start(KafkaSettings.FromFile(config), Topic, "group-f", programId: "lab-pc-a");
            await WaitFor(() => receiver.Assigned.Count == 4, "the receiver to hold the partitions");
            const short heartbeat = 12;
            const int fencedInstanceId = 82;
            _broker.Broker.FailNextRequests(heartbeat, fencedInstanceId);

            var failure = await Assert.ThrowsAsync<OpenMsiStreamException>(() => receiver.Run.WaitAsync(Long));
            Assert.Equal(ErrorIds.StaticMemberFenced, failure.ErrorId);
            Assert.StartsWith("Another consumer joined group 'group-f' with the same group.instance.id 'twin', so the broker took this one's partitions (", failure.Message);
            Assert.EndsWith("Two programs run with the same program id: give each its own --program-id / -ProgramId (or its own group.instance.id in [consumer]).", failure.Message);
        }

        [Fact]
        public void TheProgramIdIsUsedOnlyForAFixedGroupAndTheConfigFileCanNameOrTurnOffTheInstanceId()
        {
            Assert.Equal("xrd-pc_1", Apply(null, "xrd-pc_1", fresh: false));
            Assert.Null(Apply(null, "xrd-pc_1", fresh: true)); // a group of its own each run has nothing to come back to
            Assert.Null(Apply(null, null, fresh: false));
            Assert.Equal("lab.pc_download-directory_x_y", Apply(null, "lab.pc_download-directory_x y", fresh: false)); // Kafka's characters only
            Assert.Equal(249, Apply(null, new string('a', 300), fresh: false)!.Length);
            Assert.Equal("my-own", Apply("group.instance.id = my-own", "xrd-pc_1", fresh: false));
            Assert.Equal("my-own", Apply("group.instance.id = my-own", null, fresh: true)); // the config's own is used as it is
            Assert.Null(Apply("group.instance.id = none", "xrd-pc_1", fresh: false));
            // An old broker pinned in the config (Kafka 0.9 needs this): never set by default.
            Assert.Null(Apply("api.version.request = false\nbroker.version.fallback = 0.9.0", "xrd-pc_1", fresh: false, section: "broker"));
            Assert.Null(Apply("api.version.request = false\nbroker.version.fallback = 2.2.1", "xrd-pc_1", fresh: false, section: "broker"));
            Assert.Equal("xrd-pc_1", Apply("api.version.request = false\nbroker.version.fallback = 2.3.0", "xrd-pc_1", fresh: false, section: "broker"));
        }

        [Fact]
        public void AReceiverWithAFreshGroupOrOnAPinnedOldBrokerIsADynamicMember()
        {
            using (var fresh = new FileReceiver(_broker.Settings, new ReceiveOptions(Topic) { ProgramId = "p" }))
            {
                Assert.Null(fresh.GroupInstanceId);
            }
            string config = _temp.Combine("old.config");
            System.IO.File.WriteAllText(config, $"[broker]\nbootstrap.servers = {_broker.Broker.BootstrapServers}\napi.version.request = false\nbroker.version.fallback = 0.10.2\n");
            using (var old = new FileReceiver(KafkaSettings.FromFile(config), new ReceiveOptions(Topic) { GroupId = "g", ProgramId = "p" }))
            {
                Assert.Null(old.GroupInstanceId);
            }
        }

        private string? Apply(string? configLines, string? programId, bool fresh, string section = "consumer")
        {
            string path = _temp.Combine(Guid.NewGuid().ToString("N") + ".config");
            System.IO.File.WriteAllText(path, $"[broker]\nbootstrap.servers = 127.0.0.1:9\n" + (configLines == null ? "" : $"[{section}]\n{configLines}\n"));
            ClientPropertySet properties = KafkaClientFactory.ConsumerProperties(KafkaSettings.FromFile(path), "g");
            string? id = StaticMembership.Apply(properties, programId, fresh);
            Assert.Equal(id, properties[StaticMembership.Property]);
            return id;
        }

        /// <summary>The embedded broker rebalances only when a session ends: short ones keep the test short (as local-broker's config has).</summary>
        private KafkaSettings ShortSessions() => _broker.ShortSessionSettings(_temp);

        internal static async Task WaitFor(Func<bool> condition, string what, TimeSpan? within = null, Func<string>? context = null)
        {
            DateTime deadline = DateTime.UtcNow + (within ?? Long);
            while (!condition())
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("Timed out waiting for " + what + "." + (context == null ? "" : "\n" + context()));
                }
                await Task.Delay(50);
            }
        }

        /// <summary>A receiver running on its own thread, recording which partitions it holds.</summary>
        internal sealed class RunningReceiver : IDisposable
        {
            private readonly CancellationTokenSource _stop = new CancellationTokenSource();
            private readonly object _gate = new object();
            private readonly List<string> _events = new List<string>();
            private List<int> _assigned = new List<int>();

            private RunningReceiver(KafkaSettings settings, string topic, string group, string? programId)
            {
                var diagnostics = new ClientDiagnostics();
                diagnostics.Message += message =>
                {
                    if (message.Source != "receiver")
                    {
                        return;
                    }
                    lock (_gate)
                    {
                        _events.Add(message.Text);
                        if (message.Text.StartsWith("Assigned partitions [", StringComparison.Ordinal))
                        {
                            string list = message.Text.Substring("Assigned partitions [".Length, message.Text.IndexOf(']') - "Assigned partitions [".Length);
                            _assigned = list.Length == 0 ? new List<int>() : list.Split(", ").Select(int.Parse).ToList();
                        }
                        else if (message.Text.Contains("revoked"))
                        {
                            _assigned = new List<int>();
                        }
                    }
                };
                Receiver = new FileReceiver(settings, new ReceiveOptions(topic) { GroupId = group, ProgramId = programId }, diagnostics);
                Run = Task.Factory.StartNew(() => Receiver.Run(Observer, _stop.Token), TaskCreationOptions.LongRunning);
            }

            public FileReceiver Receiver { get; }

            public Task<ReceiveSummary> Run { get; }

            public List<string> Events
            {
                get
                {
                    lock (_gate)
                    {
                        return _events.ToList();
                    }
                }
            }

            public List<int> Assigned
            {
                get
                {
                    lock (_gate)
                    {
                        return _assigned.ToList();
                    }
                }
            }

            public static RunningReceiver Start(KafkaSettings settings, string topic, string group, string? programId) =>
                new RunningReceiver(settings, topic, group, programId);

            public RecordingObserver Observer { get; } = new RecordingObserver();

            /// <summary>Stops as a program does at Ctrl+C or a service stop: the consumer closes.</summary>
            public void Stop()
            {
                _stop.Cancel();
                try
                {
                    Run.Wait(Long);
                }
                catch (AggregateException)
                {
                    // a fenced receiver ends with its error; the test that expects it looks at Run
                }
            }

            public void Dispose()
            {
                Stop();
                Receiver.Dispose();
                _stop.Dispose();
            }
        }
    }
}
