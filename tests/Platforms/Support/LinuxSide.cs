using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.LocalBroker;
using OpenMsiStream.Upload;

namespace OpenMsiStream.Platforms.Tests.Support
{
    /// <summary>The Linux end of a transfer with a Windows program: Core's own sender and receiver in this process.</summary>
    internal static class LinuxSide
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

        public static void Send(LocalKafkaBroker broker, string topic, string root, IEnumerable<string> relativePaths, int chunkSize = 16384)
        {
            using var sender = new FileSender(KafkaSettings.FromBootstrapServers(broker.BootstrapServers), new SendOptions(topic) { ChunkSize = chunkSize });
            using var cancel = new CancellationTokenSource(Patience);
            sender.Connect(cancel.Token);
            foreach (string relative in relativePaths)
            {
                sender.SendAsync(FileToSend.Create(Path.Combine(root, relative), root), null, cancel.Token).GetAwaiter().GetResult();
            }
            sender.Flush(cancel.Token);
        }

        /// <summary>Receives <paramref name="count"/> files into <paramref name="output"/>; fails on any error.</summary>
        public static IReadOnlyList<ReceivedFile> Receive(LocalKafkaBroker broker, string topic, string output, int count)
        {
            var observer = new Observer();
            using (var receiver = new FileReceiver(KafkaSettings.FromBootstrapServers(broker.BootstrapServers), new ReceiveOptions(topic) { OutputDirectory = output, Count = count, IdleTimeout = Patience }))
            using (var cancel = new CancellationTokenSource(Patience + Patience))
            {
                receiver.Run(observer, cancel.Token);
            }
            if (observer.Errors.Count > 0)
            {
                throw new InvalidOperationException("The Linux receiver reported: " + string.Join("; ", observer.Errors.Select(e => e.ErrorId + " " + e.Message)));
            }
            if (observer.Files.Count != count)
            {
                throw new InvalidOperationException($"The Linux receiver got {observer.Files.Count} of {count} files: {string.Join(", ", observer.Files.Select(f => f.RelativePath))}");
            }
            return observer.Files;
        }

        /// <summary>The keys of every message on the topic so far (waits until it has been quiet for two seconds).</summary>
        public static List<string> Keys(LocalKafkaBroker broker, string topic, int atLeast)
        {
            var config = new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "keys-" + Guid.NewGuid(), AutoOffsetReset = AutoOffsetReset.Earliest };
            using IConsumer<byte[], byte[]> consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
            consumer.Subscribe(topic);
            var keys = new List<string>();
            DateTime deadline = DateTime.UtcNow + Patience;
            DateTime last = DateTime.UtcNow;
            while (DateTime.UtcNow < deadline && (keys.Count < atLeast || DateTime.UtcNow - last < TimeSpan.FromSeconds(2)))
            {
                ConsumeResult<byte[], byte[]>? result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result?.Message != null)
                {
                    keys.Add(Encoding.UTF8.GetString(result.Message.Key));
                    last = DateTime.UtcNow;
                }
            }
            consumer.Close();
            return keys;
        }

        public static byte[] Bytes(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }

        public static void Write(string path, byte[] content)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
        }

        private sealed class Observer : IRunObserver<ReceivedFile, ReceiveProgress>
        {
            public List<ReceivedFile> Files { get; } = new List<ReceivedFile>();

            public List<OpenMsiStreamException> Errors { get; } = new List<OpenMsiStreamException>();

            public void File(ReceivedFile file)
            {
                lock (Files)
                {
                    Files.Add(file);
                }
            }

            public void Error(OpenMsiStreamException error)
            {
                lock (Errors)
                {
                    Errors.Add(error);
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
    }
}
