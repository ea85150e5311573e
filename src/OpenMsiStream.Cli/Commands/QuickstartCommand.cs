using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Chunks;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.LocalBroker;
using OpenMsiStream.Upload;
using Spectre.Console;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary>
    /// <c>openmsistream quickstart</c>: the whole job on the embedded broker, for a newcomer. Starts
    /// the broker, receives into one directory while it sends another, checks every file and prints a
    /// table. The sender is held back so it never gets more than a little ahead of the receiver: the
    /// embedded broker keeps only 5 MiB per partition.
    /// </summary>
    internal static class QuickstartCommand
    {
        private const string Topic = "quickstart";
        private const long MaxBytesAhead = 4L * 1024 * 1024;

        public static Command Create()
        {
            var source = new Argument<string?>("source-directory") { Description = "directory to send (default: a generated sample set)", Arity = ArgumentArity.ZeroOrOne };
            var output = new Option<string?>("--output-directory") { Description = "where to rebuild the files (default: a new temporary directory)" };
            var chunkSize = new Option<int>("--chunk-size") { Description = "bytes per chunk, a power of two", DefaultValueFactory = _ => ChunkSizeRules.Default };
            var command = new Command("quickstart", "Start the embedded broker, send a directory, receive and verify it into another directory, and print a table. No Kafka to install.")
            {
                source,
                output,
                chunkSize,
            };
            CommandRunner.SetAction(command, (parse, cancellationToken) => Run(parse.GetValue(source), parse.GetValue(output), parse.GetValue(chunkSize), cancellationToken));
            return command;
        }

        private static int Run(string? sourceArgument, string? outputArgument, int chunkSize, CancellationToken cancellationToken)
        {
            string workDirectory = Path.Combine(Path.GetTempPath(), "openmsistream-quickstart-" + DateTime.Now.ToString("yyyyMMdd-HHmmss"));
            string sourceDirectory;
            if (sourceArgument == null)
            {
                sourceDirectory = Path.Combine(workDirectory, "source");
                SampleData.Write(sourceDirectory);
                CliConsole.Line($"Generated sample files in {sourceDirectory}");
            }
            else
            {
                sourceDirectory = Path.GetFullPath(sourceArgument);
                if (!Directory.Exists(sourceDirectory))
                {
                    throw new OpenMsiStreamException(ErrorIds.FileNotFound, $"Directory '{sourceDirectory}' does not exist.", target: sourceDirectory);
                }
            }
            string outputDirectory = Path.GetFullPath(outputArgument ?? Path.Combine(workDirectory, "received"));
            string[] files = Directory.GetFiles(sourceDirectory, "*", SearchOption.AllDirectories)
                .Where(f => !IsInside(f, outputDirectory))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToArray();
            if (files.Length == 0)
            {
                throw new OpenMsiStreamException(ErrorIds.FileNotFound, $"Directory '{sourceDirectory}' has no files to send.", target: sourceDirectory);
            }

            using LocalKafkaBroker broker = LocalKafkaBroker.Start();
            broker.CreateTopic(Topic, 4);
            KafkaSettings settings = LocalKafkaBroker.ClientSettings(broker.BootstrapServers);
            CliConsole.Line($"Embedded broker on {broker.BootstrapServers}; sending {files.Length} files from {sourceDirectory}");
            CliConsole.Line($"Receiving into {outputDirectory}");

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var observer = new CollectingObserver(files.Length);
            using var receiver = new FileReceiver(settings, new ReceiveOptions(Topic)
            {
                OutputDirectory = outputDirectory,
                Count = files.Length,
                IdleTimeout = TimeSpan.FromSeconds(60),
            });
            using var stopReceiving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task<ReceiveSummary> receiving = Task.Run(() => receiver.Run(observer, stopReceiving.Token));

            var sent = new Dictionary<string, SentFile>(StringComparer.Ordinal);
            var sendErrors = new List<OpenMsiStreamException>();
            using (var sender = new FileSender(settings, new SendOptions(Topic) { ChunkSize = chunkSize, MaxConcurrentFiles = 1 }))
            {
                sender.Connect(cancellationToken);
                long queued = 0;
                foreach (string path in files)
                {
                    try
                    {
                        SentFile file = sender.SendAsync(FileToSend.Create(path, sourceDirectory), new SendHooks { BytesQueued = bytes =>
                        {
                            // Stay close behind the receiver: the embedded broker drops what is older than 5 MiB per partition.
                            long ahead = Interlocked.Add(ref queued, bytes);
                            while (ahead - observer.BytesReceived > MaxBytesAhead && !receiving.IsCompleted)
                            {
                                cancellationToken.ThrowIfCancellationRequested();
                                Thread.Sleep(10);
                            }
                        } }, cancellationToken).GetAwaiter().GetResult();
                        sent[file.RelativePath] = file;
                        CliConsole.Line($"  sent      {file.RelativePath} ({ByteSize.Format(file.Length)}, {file.ChunkCount} chunks)  [{sent.Count} of {files.Length}]");
                    }
                    catch (OpenMsiStreamException error)
                    {
                        sendErrors.Add(error);
                        CliConsole.Error(error);
                    }
                }
            }
            if (sendErrors.Count > 0)
            {
                stopReceiving.Cancel(); // the receiver would wait for files that were never sent
            }
            ReceiveSummary summary = receiving.GetAwaiter().GetResult();
            clock.Stop();
            foreach (OpenMsiStreamException error in observer.Errors)
            {
                CliConsole.Error(error);
            }
            int exitCode = Report(sent, observer.Files, summary, clock.Elapsed, sendErrors.Count);
            if (summary.DescribeIncomplete(resumable: false) is string incomplete)
            {
                CliConsole.Warning(incomplete);
            }
            CliConsole.Line(NextSteps(sourceArgument == null ? null : sourceDirectory, outputDirectory));
            return exitCode;
        }

        /// <summary>Where to go from here: the copies, own data, two processes, PowerShell.</summary>
        private static string NextSteps(string? source, string output) => string.Join(Environment.NewLine, new[]
        {
            string.Empty,
            "Next steps:",
            $"  - The verified copies are in {output}.",
            source == null
                ? "  - Send your own files the same way: openmsistream quickstart ./my-data"
                : "  - Send to a real Kafka cluster: put bootstrap.servers in a config file (README, \"Configuration\") and use upload-file / download-directory --config FILE.",
            "  - Sender and receiver in separate terminals: openmsistream local-broker --config-out ./local.config, then upload-file and download-directory with --config ./local.config.",
            "  - In PowerShell: Import-Module OpenMsiStream; Start-MsiLocalBroker; Get-Help about_OpenMsiStream (README, \"Try it in one session\").",
        });

        private static int Report(Dictionary<string, SentFile> sent, ConcurrentDictionary<string, ReceivedFile> received, ReceiveSummary summary, TimeSpan elapsed, int sendErrors)
        {
            var table = new Table().AddColumns("File", "Size", "Chunks", "SHA-512", "Verified");
            int verified = 0;
            long bytes = 0;
            foreach (SentFile file in sent.Values.OrderBy(f => f.RelativePath, StringComparer.Ordinal))
            {
                bool ok = received.TryGetValue(file.RelativePath, out ReceivedFile? copy)
                    && copy.Sha512 == file.Sha512
                    && copy.FullName != null && HashOf(copy.FullName) == file.Sha512
                    && HashOf(file.FullName) == file.Sha512;
                if (ok)
                {
                    verified++;
                    bytes += file.Length;
                }
                table.AddRow(Markup.Escape(file.RelativePath), ByteSize.Format(file.Length), file.ChunkCount.ToString(),
                    file.Sha512.Substring(0, 16) + "…", ok ? "[green]yes[/]" : "[red]NO[/]");
            }
            CliConsole.Write(table);
            int total = sent.Count + sendErrors;
            double seconds = Math.Max(elapsed.TotalSeconds, 0.001);
            CliConsole.Line($"{verified} of {total} files sent, received and verified byte-identical ({ByteSize.Format(bytes)} in {seconds:0.0} s, {ByteSize.Format(bytes / seconds)}/s; {summary.Messages} messages).");
            return verified == total && summary.Errors == 0 ? ExitCodes.Success : ExitCodes.Failed;
        }

        private static string HashOf(string path)
        {
            using FileStream stream = File.OpenRead(path);
            using SHA512 sha512 = SHA512.Create();
            return Hex.Lower(sha512.ComputeHash(stream));
        }

        private static bool IsInside(string path, string directory) =>
            path.StartsWith(directory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

        private sealed class CollectingObserver : IRunObserver<ReceivedFile, ReceiveProgress>
        {
            private readonly int _expected;
            private long _bytesReceived;

            public CollectingObserver(int expected) => _expected = expected;

            public ConcurrentDictionary<string, ReceivedFile> Files { get; } = new ConcurrentDictionary<string, ReceivedFile>(StringComparer.Ordinal);

            public ConcurrentQueue<OpenMsiStreamException> Errors { get; } = new ConcurrentQueue<OpenMsiStreamException>();

            public long BytesReceived => Interlocked.Read(ref _bytesReceived);

            public void File(ReceivedFile file)
            {
                Files[file.RelativePath] = file;
                CliConsole.Line($"  received  {file.RelativePath} (SHA-512 verified)  [{Files.Count} of {_expected}]");
            }

            public void Error(OpenMsiStreamException error) => Errors.Enqueue(error);

            public void Warning(string message) => CliConsole.Warning(message);

            public void Verbose(string message)
            {
            }

            public void Progress(ReceiveProgress progress) => Interlocked.Exchange(ref _bytesReceived, progress.Bytes);
        }
    }
}
