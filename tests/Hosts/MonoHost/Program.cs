using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Runtime;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.LocalBroker;
using OpenMsiStream.Upload;
using OpenMsiStream.UploadDirectory;

namespace OpenMsiStream.MonoHost
{
    /// <summary>
    /// <c>mono OpenMsiStream.MonoHost.exe MODULE_DIRECTORY WORK_DIRECTORY</c>
    /// <para>The .NET Framework path of the module, on Mono (a stand-in for .NET Framework, not .NET
    /// Framework; Windows PowerShell 5.1 itself exists only on Windows). It loads the laid-out module as
    /// Windows PowerShell 5.1 imports it — the loader (a nested module) by path and the dependency resolver
    /// its IModuleAssemblyInitializer installs, then the root module by path —
    /// and drives Core through the entry points the cmdlets use: Start-MsiLocalBroker, Send-MsiDataFile,
    /// Receive-MsiDataFile -OutputDirectory, Start-MsiUploadDirectory (its SQLite registry) and
    /// New-MsiCryptoNode with an encrypted send and receive (libsodium). Natives come from the module's
    /// dependencies/&lt;rid&gt;/ through Core's resolver: on Linux the linux .so files.</para>
    /// <para>Prints "ok - CHECK" or "not ok - CHECK: why" per check, then "N passed, N failed"; the exit code
    /// is the number of failed checks.</para>
    /// </summary>
    internal static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length != 2)
            {
                Console.Error.WriteLine("usage: mono OpenMsiStream.MonoHost.exe MODULE_DIRECTORY WORK_DIRECTORY");
                return 2;
            }
            string module = Path.GetFullPath(args[0]);
            Directory.CreateDirectory(args[1]);
            Console.WriteLine($"runtime: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
            // As Windows PowerShell 5.1 imports OpenMsiStream.psd1: the nested module (the loader) by path
            // and its OnImport, which installs the dependency resolver, then the root module by path; Core
            // and everything else come from dependencies/ through that resolver. OnImport's class implements
            // a PowerShell interface that cannot load without PowerShell, so the resolver it installs is
            // called directly.
            Assembly loader = Assembly.LoadFrom(Path.Combine(module, "OpenMsiStream.PowerShell.Loader.dll"));
            loader.GetType("OpenMsiStream.PowerShell.Loader.FrameworkAssemblyResolver", throwOnError: true)!
                .GetMethod("Install")!.Invoke(null, new object[] { Path.Combine(module, "dependencies") });
            Assembly.LoadFrom(Path.Combine(module, "OpenMsiStream.PowerShell.dll"));
            return Checks.Run(module, Path.GetFullPath(args[1]));
        }
    }

    /// <summary>Separate from Main: nothing of Core may load before the module's resolver is installed.</summary>
    internal static class Checks
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static int Run(string module, string work)
        {
            string dependencies = Path.Combine(module, "dependencies") + Path.DirectorySeparatorChar;
            CryptoNodes.KeepOpenAfterUse = true; // what the module's OnImport also does
            int passed = 0, failed = 0;
            LocalKafkaBroker? broker = null;
            void Check(string name, Action body)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    body();
                    passed++;
                    Console.WriteLine($"ok - {name} ({clock.Elapsed.TotalSeconds:0.0} s)");
                }
                catch (Exception ex)
                {
                    failed++;
                    Console.WriteLine($"not ok - {name}: {ex.GetType().Name}: {ex.Message}");
                    Console.Error.WriteLine(ex);
                }
            }

            Check("Core and its dependencies load from the module's dependencies/ folder, not beside the host", () =>
            {
                foreach (Assembly assembly in new[] { typeof(LocalKafkaBroker).Assembly, typeof(Confluent.Kafka.Library).Assembly, typeof(System.Text.Json.JsonSerializer).Assembly })
                {
                    Require(assembly.Location.StartsWith(dependencies, StringComparison.Ordinal), $"{assembly.GetName().Name} loaded from '{assembly.Location}'");
                }
            });
            Check("Start-MsiLocalBroker's embedded broker starts with the module's librdkafka", () =>
            {
                broker = LocalKafkaBroker.Start();
                broker.CreateTopic("mono", 4);
                broker.CreateTopic("lab.mono", 4);
                RequireMapped(dependencies, "librdkafka.so");
            });
            if (broker == null)
            {
                return Summary(passed, failed + 4);
            }
            KafkaSettings settings = KafkaSettings.FromBootstrapServers(broker.BootstrapServers);

            Check("Send-MsiDataFile and Receive-MsiDataFile -OutputDirectory: files byte-identical through the broker", () =>
            {
                string source = Path.Combine(work, "source");
                var files = new Dictionary<string, byte[]>
                {
                    ["scan 01.csv"] = Encoding.UTF8.GetBytes("angle,counts\n10,5\n"),
                    ["notes; Probe é.txt"] = Encoding.UTF8.GetBytes("µm ünd ;\n"),
                    ["raw/detector.bin"] = Bytes(300_000, 1),
                };
                Send(settings, "mono", source, files);
                string output = Path.Combine(work, "received");
                Receive(settings, "mono", output, files.Count);
                foreach (KeyValuePair<string, byte[]> file in files)
                {
                    Require(File.ReadAllBytes(Path.Combine(output, file.Key)).SequenceEqual(file.Value), $"'{file.Key}' differs");
                }
            });
            Check("Start-MsiUploadDirectory: a watched directory sent, its upload registry written with the module's SQLite", () =>
            {
                string watched = Path.Combine(work, "watched");
                string state = Path.Combine(work, "state");
                for (int i = 0; i < 3; i++)
                {
                    Write(Path.Combine(watched, $"run {i}.csv"), Bytes(5_000 + i, 10 + i));
                }
                var uploader = new DirectoryUploader(settings, new UploadDirectoryOptions(watched, "mono-watched") { StateDirectory = state, UploadExisting = true, SettleTime = TimeSpan.FromMilliseconds(200) });
                var observer = new UploadCounter();
                using (var stop = new CancellationTokenSource())
                {
                    Task<UploadSummary> run = Task.Run(() => uploader.Run(observer, stop.Token));
                    DateTime deadline = DateTime.UtcNow + Patience;
                    while (observer.Sent < 3 && DateTime.UtcNow < deadline && !run.IsCompleted)
                    {
                        Thread.Sleep(100);
                    }
                    stop.Cancel();
                    run.Wait(Patience);
                    Require(observer.Errors.Count == 0, string.Join("; ", observer.Errors));
                }
                using (UploadRegistry registry = UploadRegistry.OpenExisting(state, "mono-watched") ?? throw new InvalidOperationException("no upload registry in " + state))
                {
                    var sent = registry.All(UploadStatus.Sent).Select(r => r.RelativePath).OrderBy(p => p, StringComparer.Ordinal).ToArray();
                    Require(sent.SequenceEqual(new[] { "run 0.csv", "run 1.csv", "run 2.csv" }), "the registry says sent: " + string.Join(", ", sent));
                }
                RequireMapped(dependencies, "libe_sqlite3.so");
            });
            Check("New-MsiCryptoNode and an encrypted send and receive (KafkaCrypto, libsodium)", () =>
            {
                string nodes = Path.Combine(work, "nodes");
                Directory.CreateDirectory(nodes);
                CryptoNodeInfo producer = CryptoNodes.Provision(nodes, "mono_producer", CryptoNodeRole.Producer, new[] { "lab" }, "test-rotation-password", "test-password");
                CryptoNodeInfo consumer = CryptoNodes.Provision(nodes, "mono_consumer", CryptoNodeRole.Consumer, new[] { "lab" }, "test-rotation-password", "test-password");
                string producerConfig = Config(nodes, "producer", broker.BootstrapServers, producer.ConfigPath);
                string consumerConfig = Config(nodes, "consumer", broker.BootstrapServers, consumer.ConfigPath);
                var files = new Dictionary<string, byte[]> { ["confidential scan.csv"] = Bytes(40_000, 99) };
                Send(KafkaSettings.FromFile(producerConfig), "lab.mono", Path.Combine(work, "secret"), files);
                string output = Path.Combine(work, "decrypted");
                Receive(KafkaSettings.FromFile(consumerConfig), "lab.mono", output, 1);
                Require(File.ReadAllBytes(Path.Combine(output, "confidential scan.csv")).SequenceEqual(files["confidential scan.csv"]), "the decrypted file differs");
                RequireMapped(dependencies, "libsodium.so");
            });
            Check("-MetricsPort: a program's System.Diagnostics.Metrics instruments served by prometheus-net's text format and scraped", () =>
            {
                var options = new Monitoring.MonitorOptions { ProgramId = "mono-metrics", MetricsPort = 0, LogFile = "", StatusDirectory = Path.Combine(work, "status") };
                using var monitor = new Monitoring.ProgramMonitor(null, options, Monitoring.ProgramKind.Uploader, "upload-directory", "mono");
                monitor.Metrics.Uploading();
                monitor.Metrics.FileSent(chunks: 3, bytes: 1_000_000);
                var request = (System.Net.HttpWebRequest)System.Net.WebRequest.Create(monitor.MetricsUrl!);
                request.Timeout = 30_000;
                using var response = (System.Net.HttpWebResponse)request.GetResponse();
                using var reader = new StreamReader(response.GetResponseStream()!, Encoding.UTF8);
                string body = reader.ReadToEnd();
                Require(response.ContentType == "text/plain; version=0.0.4; charset=utf-8", "content type " + response.ContentType);
                foreach (string sample in new[] { "openmsistream_files_sent_total{program_id=\"mono-metrics\"} 1", "openmsistream_chunks_sent_total{program_id=\"mono-metrics\"} 3", "openmsistream_bytes_sent_total{program_id=\"mono-metrics\"} 1000000" })
                {
                    Require(body.Split('\n').Contains(sample), $"no '{sample}' in the scrape:\n{body}");
                }
                foreach (Assembly assembly in new[] { typeof(global::Prometheus.CollectorRegistry).Assembly })
                {
                    Require(assembly.Location.StartsWith(dependencies, StringComparison.Ordinal), $"{assembly.GetName().Name} loaded from '{assembly.Location}'");
                }
            });
            CryptoNodes.CloseUnused();
            broker.Dispose();
            return Summary(passed, failed);
        }

        private static int Summary(int passed, int failed)
        {
            Console.WriteLine($"{passed} passed, {failed} failed");
            return failed;
        }

        private static void Send(KafkaSettings settings, string topic, string root, Dictionary<string, byte[]> files)
        {
            foreach (KeyValuePair<string, byte[]> file in files)
            {
                Write(Path.Combine(root, file.Key), file.Value);
            }
            using (var sender = new FileSender(settings, new SendOptions(topic)))
            using (var cancel = new CancellationTokenSource(Patience))
            {
                sender.Connect(cancel.Token);
                foreach (string name in files.Keys)
                {
                    SentFile sent = sender.SendAsync(FileToSend.Create(Path.Combine(root, name), root), null, cancel.Token).GetAwaiter().GetResult();
                    Require(sent.RelativePath == name.Replace('\\', '/'), $"sent as '{sent.RelativePath}'");
                }
                sender.Flush(cancel.Token);
            }
        }

        private static void Receive(KafkaSettings settings, string topic, string output, int count)
        {
            var observer = new ReceiveCounter();
            using (var receiver = new FileReceiver(settings, new ReceiveOptions(topic) { OutputDirectory = output, Count = count, IdleTimeout = Patience }))
            using (var cancel = new CancellationTokenSource(Patience + Patience))
            {
                receiver.Run(observer, cancel.Token);
            }
            Require(observer.Errors.Count == 0, string.Join("; ", observer.Errors));
            Require(observer.Received == count, $"{observer.Received} of {count} files received");
        }

        private static string Config(string directory, string name, string servers, string nodeConfig)
        {
            string path = Path.Combine(directory, name + ".config");
            File.WriteAllText(path, $"[broker]\nbootstrap.servers = {servers}\nsecurity.protocol = PLAINTEXT\n[kafkacrypto]\nconfig_file = {nodeConfig}\n");
            return path;
        }

        /// <summary>The native library <paramref name="file"/> is mapped into this process from the module's dependencies/&lt;rid&gt;/.</summary>
        private static void RequireMapped(string dependencies, string file)
        {
            string[] mapped = File.ReadAllLines("/proc/self/maps")
                .Select(line => line.Split(new[] { ' ' }, 6, StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(5) ?? string.Empty)
                .Where(path => path.EndsWith(file, StringComparison.Ordinal)).Distinct().ToArray();
            Require(mapped.Length > 0 && mapped.All(path => path.StartsWith(dependencies, StringComparison.Ordinal)),
                $"{file} is mapped from: {(mapped.Length == 0 ? "nowhere" : string.Join(", ", mapped))}");
            Console.WriteLine($"    {file}: {mapped[0]}");
        }

        private static void Write(string path, byte[] content)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
        }

        private static byte[] Bytes(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }

        private static void Require(bool condition, string why)
        {
            if (!condition)
            {
                throw new InvalidOperationException(why);
            }
        }

        private sealed class ReceiveCounter : IRunObserver<ReceivedFile, ReceiveProgress>
        {
            public int Received;
            public readonly List<string> Errors = new List<string>();

            public void File(ReceivedFile file) => Interlocked.Increment(ref Received);

            public void Error(OpenMsiStreamException error)
            {
                lock (Errors)
                {
                    Errors.Add(error.ErrorId + ": " + error.Message);
                }
            }

            public void Warning(string message)
            {
            }

            public void Verbose(string message)
            {
            }

            public void Progress(ReceiveProgress progress)
            {
            }
        }

        private sealed class UploadCounter : IRunObserver<SentFile, UploadProgress>
        {
            public int Sent;
            public readonly List<string> Errors = new List<string>();

            public void File(SentFile file) => Interlocked.Increment(ref Sent);

            public void Error(OpenMsiStreamException error)
            {
                lock (Errors)
                {
                    Errors.Add(error.ErrorId + ": " + error.Message);
                }
            }

            public void Warning(string message)
            {
            }

            public void Verbose(string message)
            {
            }

            public void Progress(UploadProgress progress)
            {
            }
        }
    }
}
