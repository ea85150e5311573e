using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Processing;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using Xunit;

namespace OpenMsiStream.Tests.Processing
{
    /// <summary>Stream processors through the embedded broker: durable record, restarts, results, timeouts, external commands.</summary>
    public class StreamProcessorTests : IDisposable
    {
        private const string Topic = "lab-data";
        private const string ResultTopic = "lab-results";
        private static readonly TimeSpan Idle = TimeSpan.FromSeconds(3);
        private readonly TempDirectory _temp = new TempDirectory("processing");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(4, Topic, ResultTopic);

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Theory]
        [InlineData(ProcessingMode.Memory)]
        [InlineData(ProcessingMode.Disk)]
        [InlineData(ProcessingMode.Both)]
        public async Task AFailedFileIsProcessedAgainAfterARestartAndAProcessedOneNever(ProcessingMode mode)
        {
            await Send(("file1.csv", Content(1)), ("file2.csv", Content(2)));
            var first = new ScriptedHandler(fail: name => name == "file1.csv");

            ProcessingRecorder run1 = Run(first, Options(mode, count: 2));

            Assert.Equal(ProcessedStatus.Failed, run1.Single("file1.csv").Status);
            Assert.Equal("file1.csv failed on purpose", run1.Single("file1.csv").ErrorMessage);
            Assert.Equal(ProcessedStatus.Processed, run1.Single("file2.csv").Status);
            Assert.Equal(1, run1.Single("file2.csv").Attempt);

            await Send(("file3.csv", Content(3)));
            var second = new ScriptedHandler(fail: _ => false);
            ProcessingRecorder run2 = Run(second, Options(mode, idle: Idle));

            Assert.Equal(new[] { "file1.csv", "file3.csv" }, second.Seen.OrderBy(n => n));
            Assert.Equal(2, run2.Single("file1.csv").Attempt);
            Assert.Equal(Content(1), second.Contents["file1.csv"]); // the same bytes the first run failed on
            Assert.Equal(Content(3), second.Contents["file3.csv"]);
            Assert.All(run2.Results, r => Assert.Equal(ProcessedStatus.Processed, r.Status));
            Assert.Empty(run1.Errors.Concat(run2.Errors));

            using var processor = new StreamProcessor(Settings(), Options(mode), new ScriptedHandler(_ => false));
            Assert.All(processor.Records(), r => Assert.Equal(ProcessingStatus.Processed, r.Status));
            Assert.Equal(3, processor.Records().Count);
            Assert.False(Directory.Exists(Path.Combine(processor.StateDirectory, "kept")) && Directory.EnumerateFiles(Path.Combine(processor.StateDirectory, "kept")).Any(),
                "kept copies of failed files are removed once they are processed");
        }

        [Fact]
        public async Task AHandlerSeesTheFileOnDiskInMemoryOrBothAsAsked()
        {
            await Send(("sub dir/a b.dat", Content(4)));
            var memory = new ScriptedHandler(_ => false);
            Run(memory, Options(ProcessingMode.Memory, count: 1, group: "memory"));
            var both = new ScriptedHandler(_ => false);
            Run(both, Options(ProcessingMode.Both, count: 1, group: "both"));

            ReceivedFile inMemory = memory.Files.Single();
            Assert.Null(inMemory.FullName);
            Assert.Equal(Content(4), inMemory.Bytes);
            ReceivedFile onBoth = both.Files.Single();
            Assert.Equal(Content(4), onBoth.Bytes);
            Assert.Equal(Path.Combine(_temp.Combine("out"), "sub dir", "a b.dat"), onBoth.FullName);
            Assert.Equal(Content(4), File.ReadAllBytes(onBoth.FullName!));
        }

        [Fact]
        public async Task MetadataIsPublishedAsJsonWithOpenMsiStreamsResultKeyOnlyForProcessedFiles()
        {
            await Send(("SC001_XRR.csv", Content(5)), ("run 7/scan;2.csv", Content(6)), ("broken.csv", Content(7)));

            ProcessingRecorder run = Run(new LengthMetadata(), Options(ProcessingMode.Memory, count: 3, resultTopic: ResultTopic));

            Assert.Equal(ProcessedStatus.Failed, run.Single("broken.csv").Status);
            Assert.Equal(1, run.Single("SC001_XRR.csv").ResultsProduced);
            List<ConsumeResult<byte[], byte[]>> messages = _broker.ReadAllRaw(ResultTopic, expected: 2);
            var byKey = messages.ToDictionary(m => Encoding.UTF8.GetString(m.Message.Key), m => JsonDocument.Parse(m.Message.Value).RootElement);
            Assert.Equal(new[] { "_SC001_XRR.csv_chunk_processing_result", "run 7_scan;2.csv_chunk_processing_result" }, byKey.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.Equal("SC001_XRR.csv", byKey["_SC001_XRR.csv_chunk_processing_result"].GetProperty("name").GetString());
            Assert.Equal(Content(6).Length, byKey["run 7_scan;2.csv_chunk_processing_result"].GetProperty("length").GetInt64());
        }

        [Fact]
        public async Task AHandlerThatRunsPastItsTimeoutIsStoppedAndTheFileRecordedFailed()
        {
            await Send(("slow.dat", Content(8)));
            var options = Options(ProcessingMode.Memory, count: 1);
            options.Timeout = TimeSpan.FromSeconds(1);

            ProcessingRecorder run = Run(new ForeverHandler(), options);

            ProcessedFile slow = run.Single("slow.dat");
            Assert.Equal(ProcessedStatus.Failed, slow.Status);
            var error = Assert.IsType<OpenMsiStreamException>(slow.Error);
            Assert.Equal(ErrorIds.ProcessingTimedOut, error.ErrorId);
            Assert.Equal("Processing 'slow.dat' took longer than the timeout of 1 s and was stopped.", error.Message);
            Assert.True(slow.Duration < TimeSpan.FromSeconds(8), $"stopped after {slow.Duration}");
        }

        [Fact]
        public async Task SeveralFilesAreHandledAtOnceUpToTheThrottleLimit()
        {
            await Send(Enumerable.Range(0, 6).Select(i => ($"f{i}.dat", Content(10 + i))).ToArray());
            var handler = new ConcurrencyHandler();
            var options = Options(ProcessingMode.Memory, count: 6);
            options.ThrottleLimit = 3;

            ProcessingRecorder run = Run(handler, options);

            Assert.Equal(6, run.Results.Count(r => r.Status == ProcessedStatus.Processed));
            Assert.Equal(3, handler.MostAtOnce);
        }

        [Fact]
        public async Task AnExternalCommandInPythonProcessesFilesAndItsOutputBecomesTheResult()
        {
            string script = _temp.WriteFile("analyze.py", Encoding.UTF8.GetBytes(
                "import json, sys\n" +
                "path = sys.argv[1]\n" +
                "data = open(path, 'rb').read()\n" +
                "if sys.argv[2].startswith('bad'):\n" +
                "    print('reading ' + sys.argv[2])\n" +
                "    sys.stderr.write('cannot parse ' + sys.argv[2] + '\\n')\n" +
                "    sys.exit(3)\n" +
                "print(json.dumps({'file': sys.argv[2], 'bytes': len(data), 'lines': data.count(b'\\n')}))\n"));
            await Send(("good.csv", Encoding.UTF8.GetBytes("a,b\n1,2\n3,4\n")), ("bad.csv", Encoding.UTF8.GetBytes("?")));
            var handler = new ExternalCommandHandler("python3", new[] { script, "{path}", "{relativePath}" }, _temp.Path, _temp.Combine("scratch"));

            ProcessingRecorder run = Run(handler, Options(ProcessingMode.Memory, count: 2, resultTopic: ResultTopic));

            ProcessedFile good = run.Single("good.csv");
            Assert.Equal(ProcessedStatus.Processed, good.Status);
            Assert.Equal("{\"file\": \"good.csv\", \"bytes\": 12, \"lines\": 3}", good.Log!.Trim());
            ProcessedFile bad = run.Single("bad.csv");
            Assert.Equal(ProcessedStatus.Failed, bad.Status);
            Assert.Equal("'python3' exited with code 3 for 'bad.csv': cannot parse bad.csv", bad.ErrorMessage);
            Assert.Contains("reading bad.csv", bad.Log);
            Assert.Contains("cannot parse bad.csv", bad.Log);
            ConsumeResult<byte[], byte[]> result = Assert.Single(_broker.ReadAllRaw(ResultTopic, expected: 1));
            Assert.Equal("_good.csv_chunk_processing_result", Encoding.UTF8.GetString(result.Message.Key));
            Assert.Equal("{\"file\": \"good.csv\", \"bytes\": 12, \"lines\": 3}", Encoding.UTF8.GetString(result.Message.Value));
            Assert.Empty(Directory.Exists(_temp.Combine("scratch")) ? Directory.GetFileSystemEntries(_temp.Combine("scratch")) : Array.Empty<string>());
        }

        [Fact]
        public void AnExternalCommandThatDoesNotExistIsReportedBeforeAnythingRuns()
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => new ExternalCommandHandler("no-such-program-xyz", Array.Empty<string>(), _temp.Path, _temp.Path));
            Assert.Equal(ErrorIds.CommandNotFound, error.ErrorId);
            Assert.Equal("Cannot find the command 'no-such-program-xyz': it is not on PATH.", error.Message);
        }

        [Theory]
        [InlineData("", new string[0])]
        [InlineData("{\"a\": 1}\n", new[] { "{\"a\": 1}" })]
        [InlineData("{\"a\": 1}\n{\"a\": 2}\n", new[] { "{\"a\": 1}", "{\"a\": 2}" })]
        [InlineData("plain text\nmore", new[] { "\"plain text\\nmore\"" })]
        public void StandardOutputBecomesResultMessages(string stdout, string[] expected) =>
            Assert.Equal(expected, ExternalCommandHandler.ResultMessagesFrom(stdout));

        [Fact]
        public void OneStateDirectoryServesOneProcessorAtATime()
        {
            using var first = new StreamProcessor(Settings(), Options(ProcessingMode.Memory), new ScriptedHandler(_ => false));
            var error = Assert.Throws<OpenMsiStreamException>(() => new StreamProcessor(Settings(), Options(ProcessingMode.Memory), new ScriptedHandler(_ => false)));
            Assert.Equal(ErrorIds.StateDirectoryInUse, error.ErrorId);
        }

        private static byte[] Content(int seed) => TestData.Bytes(5000 + seed * 37, seed);

        private StreamProcessingOptions Options(ProcessingMode mode, int? count = null, TimeSpan? idle = null, string? resultTopic = null, string group = "analysis") =>
            new StreamProcessingOptions(Topic, group)
            {
                Mode = mode,
                OutputDirectory = mode == ProcessingMode.Memory ? null : _temp.Combine("out"),
                StateDirectory = _temp.Combine("state-" + group),
                Count = count,
                IdleTimeout = idle ?? TimeSpan.FromSeconds(30),
                ResultTopic = resultTopic,
            };

        /// <summary>A group that runs twice: a short session timeout, so the second run is not kept waiting for the first member.</summary>
        private KafkaSettings Settings() => _broker.ShortSessionSettings(_temp);

        private ProcessingRecorder Run(FileHandler handler, StreamProcessingOptions options)
        {
            var recorder = new ProcessingRecorder();
            using var processor = new StreamProcessor(Settings(), options, handler);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            processor.Run(recorder, timeout.Token);
            Assert.False(timeout.IsCancellationRequested, "the run ended by itself");
            return recorder;
        }

        private async Task Send(params (string Name, byte[] Content)[] files)
        {
            string source = _temp.Combine("source-" + Guid.NewGuid().ToString("N"));
            foreach ((string name, byte[] content) in files)
            {
                _temp.WriteFile(Path.Combine(Path.GetFileName(source), name), content);
            }
            using var sender = new FileSender(_broker.Settings, new SendOptions(Topic) { ChunkSize = 4096 });
            sender.Connect(default);
            await Task.WhenAll(files.Select(f => sender.SendAsync(FileToSend.Create(Path.Combine(source, f.Name), source), null, default)));
        }

        private sealed class ScriptedHandler : DataFileStreamProcessor
        {
            private readonly Func<string, bool> _fail;

            public ScriptedHandler(Func<string, bool> fail) => _fail = fail;

            public ConcurrentBag<string> Seen { get; } = new ConcurrentBag<string>();

            public ConcurrentBag<ReceivedFile> Files { get; } = new ConcurrentBag<ReceivedFile>();

            public ConcurrentDictionary<string, byte[]> Contents { get; } = new ConcurrentDictionary<string, byte[]>();

            protected override Task ProcessFileAsync(ReceivedFile file, CancellationToken cancellationToken)
            {
                Seen.Add(file.RelativePath);
                Files.Add(file);
                Contents[file.RelativePath] = file.Bytes ?? File.ReadAllBytes(file.FullName!);
                if (_fail(file.RelativePath))
                {
                    throw new InvalidOperationException(file.RelativePath + " failed on purpose");
                }
                return Task.CompletedTask;
            }
        }

        private sealed class LengthMetadata : MetadataJsonReproducer
        {
            protected override Task<IDictionary<string, object?>> GetMetadataAsync(ReceivedFile file, CancellationToken cancellationToken)
            {
                if (file.Name == "broken.csv")
                {
                    throw new FormatException("no metadata block");
                }
                return Task.FromResult<IDictionary<string, object?>>(new Dictionary<string, object?> { ["name"] = file.Name, ["length"] = file.Length });
            }
        }

        private sealed class ForeverHandler : DataFileStreamProcessor
        {
            protected override Task ProcessFileAsync(ReceivedFile file, CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
        }

        private sealed class ConcurrencyHandler : DataFileStreamProcessor
        {
            private int _now;

            public int MostAtOnce;

            protected override async Task ProcessFileAsync(ReceivedFile file, CancellationToken cancellationToken)
            {
                int now = Interlocked.Increment(ref _now);
                int seen;
                while (now > (seen = Volatile.Read(ref MostAtOnce)) && Interlocked.CompareExchange(ref MostAtOnce, now, seen) != seen)
                {
                }
                await Task.Delay(700, cancellationToken);
                Interlocked.Decrement(ref _now);
            }
        }
    }
}
