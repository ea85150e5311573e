using System;
using System.Collections.Generic;
using System.Text;
using OpenMsiStream.Config;
using OpenMsiStream.Native;

namespace OpenMsiStream.LocalBroker
{
    /// <summary>
    /// The embedded local broker: librdkafka's mock cluster, a Kafka-protocol broker that runs inside
    /// this process and listens on loopback TCP, so any Kafka client (in this or another process) can
    /// use it. It is for trying the product and for tests, not for data that matters: everything is
    /// in memory, gone when the process exits, and each partition keeps at most 5 MiB (older messages
    /// are dropped silently, a limit compiled into librdkafka).
    /// </summary>
    public sealed class LocalKafkaBroker : IDisposable
    {
        /// <summary>Partition count the mock cluster gives topics that are created on first use.</summary>
        public const int AutoCreatedTopicPartitions = 4;

        /// <summary>Per-partition retention of the mock cluster (librdkafka's compiled-in cap).</summary>
        public const long PartitionCapacityBytes = 5L * 1024 * 1024;

        /// <summary>RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS.</summary>
        private const int TopicAlreadyExists = 36;

        /// <summary>
        /// Consumer settings for this broker, in the config file it writes and in the settings the cmdlets
        /// use without one. The mock cluster makes a new member of a group wait for a member that just
        /// left until that member's session timeout runs out (librdkafka's default 45 s, Kafka itself
        /// rebalances at once); 6 s keeps a second run in the same group interactive.
        /// </summary>
        public static readonly IReadOnlyList<KeyValuePair<string, string>> ConsumerSettings = new[]
        {
            new KeyValuePair<string, string>("session.timeout.ms", "6000"),
            new KeyValuePair<string, string>("heartbeat.interval.ms", "1000"),
        };

        private readonly object _gate = new object();
        private readonly Dictionary<string, int> _topics = new Dictionary<string, int>(StringComparer.Ordinal);
        private IntPtr _client;
        private IntPtr _cluster;

        private LocalKafkaBroker(IntPtr client, IntPtr cluster, int brokerCount)
        {
            _client = client;
            _cluster = cluster;
            BrokerCount = brokerCount;
            BootstrapServers = LibRdKafkaNative.PtrToUtf8(LibRdKafkaNative.rd_kafka_mock_cluster_bootstraps(cluster))
                ?? throw new InvalidOperationException("The embedded broker did not report a bootstrap address.");
            StartedAt = DateTimeOffset.Now;
        }

        public string BootstrapServers { get; }

        public int BrokerCount { get; }

        public DateTimeOffset StartedAt { get; }

        public bool IsRunning
        {
            get
            {
                lock (_gate)
                {
                    return _cluster != IntPtr.Zero;
                }
            }
        }

        /// <summary>Topics created explicitly (and the key-exchange topics of their roots), with their partition counts.</summary>
        public IReadOnlyDictionary<string, int> Topics
        {
            get
            {
                lock (_gate)
                {
                    return new Dictionary<string, int>(_topics, StringComparer.Ordinal);
                }
            }
        }

        /// <summary>Starts a mock cluster with <paramref name="brokerCount"/> brokers on loopback.</summary>
        public static LocalKafkaBroker Start(int brokerCount = 1)
        {
            if (brokerCount < 1 || brokerCount > 9)
            {
                throw new ArgumentOutOfRangeException(nameof(brokerCount), brokerCount, "The embedded broker supports 1 to 9 brokers.");
            }
            NativeLibraryResolver.EnsureInstalled();
            return StartCluster(brokerCount);
        }

        /// <summary>
        /// Separate from <see cref="Start"/>, and never inlined into it: Mono binds a method's P/Invokes
        /// when it compiles the method, so they must live in one compiled after the resolver is in place.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static LocalKafkaBroker StartCluster(int brokerCount)
        {
            IntPtr conf = LibRdKafkaNative.rd_kafka_conf_new();
            var error = new StringBuilder(512);
            // Only errors from the mock cluster's own client reach stderr; its connection chatter does not.
            if (LibRdKafkaNative.rd_kafka_conf_set(conf, LibRdKafkaNative.Utf8z("log_level"), LibRdKafkaNative.Utf8z("3"), error, (UIntPtr)error.Capacity) != LibRdKafkaNative.ConfOk)
            {
                LibRdKafkaNative.rd_kafka_conf_destroy(conf);
                throw new InvalidOperationException("Could not configure the embedded broker: " + error);
            }
            IntPtr client = LibRdKafkaNative.rd_kafka_new(LibRdKafkaNative.ProducerType, conf, error, (UIntPtr)error.Capacity);
            if (client == IntPtr.Zero)
            {
                LibRdKafkaNative.rd_kafka_conf_destroy(conf); // rd_kafka_new only takes ownership on success
                throw new InvalidOperationException("Could not create the embedded broker's client: " + error);
            }
            IntPtr cluster = LibRdKafkaNative.rd_kafka_mock_cluster_new(client, brokerCount);
            if (cluster == IntPtr.Zero)
            {
                LibRdKafkaNative.rd_kafka_destroy(client);
                throw new InvalidOperationException("librdkafka could not start the embedded broker (no free loopback port?).");
            }
            // Like Kafka, the mock waits 3 s before the first rebalance of a new group; nobody else joins
            // a trial broker that fast, so consumers start at once.
            LibRdKafkaNative.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0);
            return new LocalKafkaBroker(client, cluster, brokerCount);
        }

        /// <summary>
        /// Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions. Topics that are
        /// not created here are created on first use with <see cref="AutoCreatedTopicPartitions"/>. False
        /// when the topic exists already (a root's key-exchange topics come with it): it keeps its partitions.
        /// </summary>
        public bool CreateTopic(string topic, int partitions)
        {
            TopicName.Validate(topic);
            if (partitions < 1 || partitions > 10000)
            {
                throw new ArgumentOutOfRangeException(nameof(partitions), partitions, "A topic needs 1 to 10000 partitions.");
            }
            lock (_gate)
            {
                ThrowIfStopped();
                bool created = TryCreate(topic, partitions);
                CreateKeyExchangeTopics(topic);
                return created;
            }
        }

        /// <summary>
        /// KafkaCrypto needs <c>&lt;root&gt;.reqs</c>, <c>.keys</c> and <c>.subs</c> with one partition, and the
        /// mock cluster neither creates topics through the admin API nor on first use; so every topic comes
        /// with its root's key-exchange topics, and encryption works on the embedded broker as it is.
        /// </summary>
        private void CreateKeyExchangeTopics(string topic)
        {
            int dot = topic.IndexOf('.');
            string root = dot < 0 ? topic : topic.Substring(0, dot);
            foreach (string suffix in new[] { ".reqs", ".keys", ".subs" })
            {
                TryCreate(root + suffix, 1);
            }
        }

        /// <summary>Creates a topic unless it exists; records what exists in <see cref="Topics"/>.</summary>
        private bool TryCreate(string topic, int partitions)
        {
            if (_topics.ContainsKey(topic))
            {
                return false;
            }
            int err = LibRdKafkaNative.rd_kafka_mock_topic_create(_cluster, LibRdKafkaNative.Utf8z(topic), partitions, 1);
            if (err == TopicAlreadyExists)
            {
                return false; // created on first use before: its partition count is the mock's
            }
            if (err != 0)
            {
                string reason = LibRdKafkaNative.PtrToUtf8(LibRdKafkaNative.rd_kafka_err2str(err)) ?? ("error " + err);
                throw new InvalidOperationException($"The embedded broker could not create topic '{topic}': {reason}.");
            }
            _topics[topic] = partitions;
            return true;
        }

        /// <summary>
        /// A network outage, for tests: every broker drops its connections and refuses new ones
        /// (<paramref name="reachable"/> false) until it is brought back; the data it holds stays.
        /// </summary>
        internal void SetReachable(bool reachable)
        {
            lock (_gate)
            {
                ThrowIfStopped();
                for (int id = 1; id <= BrokerCount; id++) // the mock numbers its brokers from 1
                {
                    int err = reachable ? LibRdKafkaNative.rd_kafka_mock_broker_set_up(_cluster, id) : LibRdKafkaNative.rd_kafka_mock_broker_set_down(_cluster, id);
                    if (err != 0)
                    {
                        throw new InvalidOperationException($"The embedded broker could not bring broker {id} {(reachable ? "up" : "down")}: error {err}.");
                    }
                }
            }
        }

        /// <summary>A slow network, for tests: every broker answers each request <paramref name="roundTrip"/> late.</summary>
        internal void SetRoundTrip(TimeSpan roundTrip)
        {
            lock (_gate)
            {
                ThrowIfStopped();
                for (int id = 1; id <= BrokerCount; id++)
                {
                    int err = LibRdKafkaNative.rd_kafka_mock_broker_set_rtt(_cluster, id, (int)roundTrip.TotalMilliseconds);
                    if (err != 0)
                    {
                        throw new InvalidOperationException($"The embedded broker could not delay broker {id}: error {err}.");
                    }
                }
            }
        }

        /// <summary>A slow answer, for tests: every broker answers its next <paramref name="count"/> requests of <paramref name="apiKey"/> <paramref name="delay"/> late.</summary>
        internal void DelayNextAnswers(short apiKey, int count, TimeSpan delay)
        {
            lock (_gate)
            {
                ThrowIfStopped();
                for (int id = 1; id <= BrokerCount; id++)
                {
                    for (int i = 0; i < count; i++)
                    {
                        int err = LibRdKafkaNative.rd_kafka_mock_broker_push_request_error_rtts(_cluster, id, apiKey, (UIntPtr)1, 0, (int)delay.TotalMilliseconds);
                        if (err != 0)
                        {
                            throw new InvalidOperationException($"The embedded broker could not delay broker {id}'s answers: error {err}.");
                        }
                    }
                }
            }
        }

        /// <summary>For tests: from now on the brokers note every request they receive (<see cref="Requests"/>).</summary>
        internal void TrackRequests()
        {
            lock (_gate)
            {
                ThrowIfStopped();
                LibRdKafkaNative.rd_kafka_mock_start_request_tracking(_cluster);
            }
        }

        /// <summary>
        /// For tests: the Kafka API key of every request received since <see cref="TrackRequests"/>, with when
        /// it arrived (librdkafka's monotonic clock, CLOCK_MONOTONIC, in microseconds).
        /// </summary>
        internal IReadOnlyList<(short ApiKey, long ArrivedMicroseconds)> Requests()
        {
            lock (_gate)
            {
                ThrowIfStopped();
                IntPtr array = LibRdKafkaNative.rd_kafka_mock_get_requests(_cluster, out UIntPtr count);
                var requests = new List<(short, long)>((int)count);
                try
                {
                    for (int i = 0; i < (int)count; i++)
                    {
                        IntPtr request = System.Runtime.InteropServices.Marshal.ReadIntPtr(array, i * IntPtr.Size);
                        requests.Add((LibRdKafkaNative.rd_kafka_mock_request_api_key(request), LibRdKafkaNative.rd_kafka_mock_request_timestamp(request)));
                    }
                }
                finally
                {
                    if (array != IntPtr.Zero)
                    {
                        LibRdKafkaNative.rd_kafka_mock_request_destroy_array(array, count);
                    }
                }
                return requests;
            }
        }

        /// <summary>Writes an OpenMSIStream-format config file that points other programs at this broker.</summary>
        public void WriteConfigFile(string path) => KafkaConfigFileWriter.WriteForBootstrap(path, BootstrapServers,
            "Embedded local broker (librdkafka mock cluster) started " + StartedAt.ToString("u") +
            ". In memory only, at most 5 MiB per partition; valid while the process that started it runs.", ConsumerSettings);

        /// <summary>Client settings for an embedded broker at <paramref name="bootstrapServers"/> (what its config file says).</summary>
        public static KafkaSettings ClientSettings(string bootstrapServers, string? workingDirectory = null) =>
            KafkaSettings.FromBootstrapServers(bootstrapServers, workingDirectory).WithDefaults(KafkaSettings.ConsumerSection, ConsumerSettings, "the embedded broker");

        /// <summary>Answers the next requests of a Kafka API with these error codes, in order: how tests meet broker errors no mock state leads to.</summary>
        internal void FailNextRequests(short apiKey, params int[] errorCodes) =>
            LibRdKafkaNative.rd_kafka_mock_push_request_errors_array(_cluster, apiKey, (UIntPtr)errorCodes.Length, errorCodes);

        public void Dispose()
        {
            lock (_gate)
            {
                if (_cluster != IntPtr.Zero)
                {
                    LibRdKafkaNative.rd_kafka_mock_cluster_destroy(_cluster);
                    _cluster = IntPtr.Zero;
                }
                if (_client != IntPtr.Zero)
                {
                    LibRdKafkaNative.rd_kafka_destroy(_client);
                    _client = IntPtr.Zero;
                }
            }
        }

        private void ThrowIfStopped()
        {
            if (_cluster == IntPtr.Zero)
            {
                throw new ObjectDisposedException(nameof(LocalKafkaBroker), "The embedded broker has been stopped.");
            }
        }
    }
}
