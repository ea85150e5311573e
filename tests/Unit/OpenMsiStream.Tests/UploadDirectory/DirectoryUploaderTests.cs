using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using OpenMsiStream.UploadDirectory;
using Xunit;

namespace OpenMsiStream.Tests.UploadDirectory
{
    [Collection(Support.MemoryMeasurements.Name)]
    public class DirectoryUploaderTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("uploader");

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void ARegistryOfAnEarlierVersionOpenedByManyReadersAtOnceGetsItsNewColumnsOnce()
        {
            // An uploader starting while Get-MsiUploadState reads: both bring the schema up to date.
            string state = _temp.Combine("old-state");
            Directory.CreateDirectory(state);
            using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(state, UploadRegistry.DatabaseFileName)};Pooling=False"))
            {
                connection.Open();
                using var create = connection.CreateCommand();
                create.CommandText = "CREATE TABLE watched(topic TEXT PRIMARY KEY, directory TEXT NOT NULL, first_started_at TEXT NOT NULL);" +
                    "INSERT INTO watched VALUES ('lab', '/data', '2026-11-01T00:00:00.0000000+00:00');";
                create.ExecuteNonQuery();
            }

            Parallel.For(0, 8, _ =>
            {
                using UploadRegistry? registry = UploadRegistry.OpenExisting(state, "lab");
                Assert.NotNull(registry);
            });

            Assert.Equal(new[] { "lab" }, UploadRegistry.Topics(state));
        }

        [Fact]
        public async Task TenThousandSmallFilesAreSentWithMemoryThatDoesNotGrowWithTheirNumber()
        {
            using var broker = new EmbeddedBroker(8, "many");
            string watched = _temp.Combine("many");
            for (int i = 0; i < 10_000; i++)
            {
                _temp.WriteFile(Path.Combine("many", $"day {i % 40}", $"spectrum {i:00000}.csv"), new byte[200]);
            }
            var observer = new CountingObserver();
            var uploader = new DirectoryUploader(broker.Settings, new UploadDirectoryOptions(watched, "many")
            {
                StateDirectory = _temp.Combine("state"),
                UploadExisting = true,
                SettleTime = TimeSpan.FromMilliseconds(100),
            });
            long baseline = GC.GetTotalMemory(forceFullCollection: true);
            long peak = 0;
            using var stop = new CancellationTokenSource();
            Task<UploadSummary> run = Task.Run(() => uploader.Run(observer, stop.Token));
            DateTime deadline = DateTime.UtcNow.AddSeconds(120);
            while (observer.Sent < 10_000 && DateTime.UtcNow < deadline && !run.IsCompleted)
            {
                await Task.Delay(200);
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }
            stop.Cancel();
            UploadSummary summary = await run;

            Assert.Equal(10_000, summary.FilesSent);
            Assert.Empty(observer.Errors);
            Assert.True(peak < 32L * 1024 * 1024, $"live managed memory grew by {peak} bytes for 10,000 files");
            using UploadRegistry registry = UploadRegistry.OpenExisting(_temp.Combine("state"), "many")!;
            Assert.Equal(10_000, registry.All(UploadStatus.Sent).Count);
        }

        [Fact]
        public async Task AMultiGigabyteFileIsSentWithMemoryThatDoesNotGrowWithItsSize()
        {
            // 2 GiB and one byte, sparse (no disk space), through the real producer to the embedded broker,
            // which keeps only the last 5 MiB: what is measured is the sender. Every chunk must be
            // acknowledged, and neither the managed heap nor the process may grow with the file.
            using var broker = new EmbeddedBroker(1, "big");
            string watched = _temp.Combine("big");
            Directory.CreateDirectory(watched);
            const long length = (2L << 30) + 1;
            using (var stream = new FileStream(Path.Combine(watched, "detector.raw"), FileMode.CreateNew))
            {
                stream.SetLength(length);
            }
            var observer = new CountingObserver();
            var uploader = new DirectoryUploader(broker.Settings, new UploadDirectoryOptions(watched, "big")
            {
                StateDirectory = _temp.Combine("state"),
                UploadExisting = true,
                SettleTime = TimeSpan.FromMilliseconds(100),
            });
            long managedBaseline = GC.GetTotalMemory(forceFullCollection: true);
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            long residentBaseline = process.WorkingSet64;
            long managedPeak = 0, residentPeak = 0;
            using var stop = new CancellationTokenSource();
            Task<UploadSummary> run = Task.Run(() => uploader.Run(observer, stop.Token));
            DateTime deadline = DateTime.UtcNow.AddSeconds(240);
            while (observer.Sent < 1 && DateTime.UtcNow < deadline && !run.IsCompleted)
            {
                await Task.Delay(250);
                managedPeak = Math.Max(managedPeak, GC.GetTotalMemory(forceFullCollection: true) - managedBaseline); // live objects only
                process.Refresh();
                residentPeak = Math.Max(residentPeak, process.WorkingSet64 - residentBaseline);
            }
            stop.Cancel();
            UploadSummary summary = await run;

            Assert.Empty(observer.Errors);
            Assert.Equal(1, summary.FilesSent);
            Assert.Equal(length, summary.BytesSent);
            using (UploadRegistry registry = UploadRegistry.OpenExisting(_temp.Combine("state"), "big")!)
            {
                Assert.Equal(4097, registry.Find("detector.raw")!.ChunksAcknowledged);
            }
            // Seen alone: 13 MB managed, 28 MB resident. The bounds leave room for tests running beside this
            // one in the process; holding on to chunks would cost gigabytes.
            Assert.True(managedPeak < 96L * 1024 * 1024, $"the managed heap grew by {managedPeak} bytes for a 2 GiB file");
            Assert.True(residentPeak < 300L * 1024 * 1024, $"the process grew by {residentPeak} bytes for a 2 GiB file");
        }

        [Fact]
        public void WithoutUploadExistingTheFilesPresentAtTheFirstStartAreRecordedButNotSentAndFilesWrittenSinceAreSent()
        {
            using var broker = new EmbeddedBroker(1, "t");
            string watched = _temp.Combine("w");
            File.SetLastWriteTimeUtc(_temp.WriteFile(Path.Combine("w", "old.dat"), new byte[10]), DateTime.UtcNow.AddHours(-1));
            // Written after the start, but found by the first scan (which runs after the connection check):
            // it is new, not "already present", and must be sent.
            File.SetLastWriteTimeUtc(_temp.WriteFile(Path.Combine("w", "just written.dat"), new byte[20]), DateTime.UtcNow.AddSeconds(1));
            var observer = new CountingObserver();
            var uploader = new DirectoryUploader(broker.Settings, new UploadDirectoryOptions(watched, "t") { StateDirectory = _temp.Combine("state"), SettleTime = TimeSpan.FromMilliseconds(100) });
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));

            uploader.Run(observer, stop.Token);

            Assert.Equal(1, observer.Sent);
            using UploadRegistry registry = UploadRegistry.OpenExisting(_temp.Combine("state"), "t")!;
            Assert.Equal(UploadStatus.Skipped, registry.Find("old.dat")!.Status);
            Assert.Equal(UploadStatus.Sent, registry.Find("just written.dat")!.Status);
        }

        [Fact]
        public void ANameNoReceiverWouldWriteIsReportedOnceAndKeptAsFailedWhileTheOthersAreSent()
        {
            using var broker = new EmbeddedBroker(1, "t");
            string watched = _temp.Combine("w");
            _temp.WriteFile(Path.Combine("w", "ok.csv"), new byte[10]);
            _temp.WriteFile(Path.Combine("w", "aux.csv"), new byte[10]);
            _temp.WriteFile(Path.Combine("w", "back\\slash.csv"), new byte[10]);
            var observer = new CountingObserver();
            var uploader = new DirectoryUploader(broker.Settings, new UploadDirectoryOptions(watched, "t")
            {
                StateDirectory = _temp.Combine("state"),
                UploadExisting = true,
                SettleTime = TimeSpan.FromMilliseconds(100),
                ScanInterval = TimeSpan.FromMilliseconds(300), // many scans: the refusals must not repeat
            });
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4));

            uploader.Run(observer, stop.Token);

            Assert.Equal(1, observer.Sent);
            Assert.Equal(new[] { "'aux.csv' is not sent: 'aux.csv' is a reserved device name on Windows, so no receiver would write it. Rename it.",
                                 "'back\\slash.csv' is not sent: it contains a backslash, a directory separator on Windows, so no receiver would write it. Rename it." },
                observer.Errors.Select(e => e.Message).OrderBy(m => m, StringComparer.Ordinal));
            Assert.All(observer.Errors, e => Assert.Equal(ErrorIds.UnsafePath, e.ErrorId));
            using UploadRegistry registry = UploadRegistry.OpenExisting(_temp.Combine("state"), "t")!;
            Assert.Equal(UploadStatus.Failed, registry.Find("aux.csv")!.Status);
            Assert.Equal(UploadStatus.Sent, registry.Find("ok.csv")!.Status);
        }

        [Fact]
        public async Task AFileHeldOpenExclusivelyIsRetriedReportedAndSentOnceReleased()
        {
            using var broker = new EmbeddedBroker(1, "t");
            string watched = _temp.Combine("w");
            string path = _temp.WriteFile(Path.Combine("w", "being written.raw"), TestData.Bytes(1000));
            var observer = new CountingObserver();
            var uploader = new DirectoryUploader(broker.Settings, new UploadDirectoryOptions(watched, "t")
            {
                StateDirectory = _temp.Combine("state"),
                UploadExisting = true,
                SettleTime = TimeSpan.FromMilliseconds(100),
            });
            using var stop = new CancellationTokenSource();
            Task<UploadSummary> run;
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) // as an instrument that keeps its file locked
            {
                run = Task.Run(() => uploader.Run(observer, stop.Token));
                DateTime deadline = DateTime.UtcNow.AddSeconds(30);
                while (!observer.HasWarning("cannot be opened for reading yet") && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
                Assert.Equal(0, observer.Sent);
            }
            DateTime sentBy = DateTime.UtcNow.AddSeconds(30);
            while (observer.Sent == 0 && DateTime.UtcNow < sentBy)
            {
                await Task.Delay(100);
            }
            stop.Cancel();
            await run;

            Assert.Contains(observer.Warnings, w => w.StartsWith("'being written.raw' cannot be opened for reading yet (", StringComparison.Ordinal) && w.EndsWith("still trying (attempt 3).", StringComparison.Ordinal));
            Assert.Equal(1, observer.Sent);
        }

        [Fact]
        public void AFirstRunThatCannotReachTheBrokerDoesNotMakeExistingFilesLookNew()
        {
            using var broker = new EmbeddedBroker(1, "t");
            string watched = _temp.Combine("w");
            File.SetLastWriteTimeUtc(_temp.WriteFile(Path.Combine("w", "old.dat"), new byte[10]), DateTime.UtcNow.AddHours(-1));
            var unreachable = new DirectoryUploader(OpenMsiStream.Config.KafkaSettings.FromBootstrapServers("127.0.0.1:1"),
                new UploadDirectoryOptions(watched, "t") { StateDirectory = _temp.Combine("state"), ConnectTimeout = TimeSpan.FromSeconds(2) });
            Assert.Throws<OpenMsiStreamException>(() => unreachable.Run(new CountingObserver(), default));

            var observer = new CountingObserver();
            var uploader = new DirectoryUploader(broker.Settings, new UploadDirectoryOptions(watched, "t") { StateDirectory = _temp.Combine("state"), SettleTime = TimeSpan.FromMilliseconds(100) });
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            uploader.Run(observer, stop.Token);

            Assert.Equal(0, observer.Sent);
        }

        [Fact]
        public async Task StoppingSavesTheStateEvenWhenTheFrontEndHasStoppedListening()
        {
            using var broker = new EmbeddedBroker(4, "t");
            string watched = _temp.Combine("w");
            for (int i = 0; i < 300; i++)
            {
                _temp.WriteFile(Path.Combine("w", $"f{i:000}.dat"), new byte[100]);
            }
            using var stop = new CancellationTokenSource();
            var observer = new CountingObserver { ThrowWhen = stop.Token }; // as a PowerShell pipeline that was stopped
            var uploader = new DirectoryUploader(broker.Settings, new UploadDirectoryOptions(watched, "t") { StateDirectory = _temp.Combine("state"), UploadExisting = true, SettleTime = TimeSpan.FromMilliseconds(50) });
            Task<UploadSummary> run = Task.Run(() => uploader.Run(observer, stop.Token));
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (observer.Sent < 100 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
            stop.Cancel();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }

            using UploadRegistry registry = UploadRegistry.OpenExisting(_temp.Combine("state"), "t")!;
            Assert.True(registry.All(UploadStatus.Sent).Count >= observer.Sent, $"{observer.Sent} files were reported sent but the registry has {registry.All(UploadStatus.Sent).Count}");
        }

        [Fact]
        public void AStateDirectoryBelongsToOneWatchedDirectoryAndOneRunningUploader()
        {
            using var broker = new EmbeddedBroker(1, "t");
            Directory.CreateDirectory(_temp.Combine("a"));
            Directory.CreateDirectory(_temp.Combine("b"));
            string state = _temp.Combine("state");
            using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            {
                new DirectoryUploader(broker.Settings, new UploadDirectoryOptions(_temp.Combine("a"), "t") { StateDirectory = state }).Run(new CountingObserver(), stop.Token);
            }

            var error = Assert.Throws<OpenMsiStreamException>(() =>
                new DirectoryUploader(broker.Settings, new UploadDirectoryOptions(_temp.Combine("b"), "t") { StateDirectory = state }).Run(new CountingObserver(), default));
            Assert.Equal(ErrorIds.StateDirectoryInUse, error.ErrorId);
            Assert.Equal($"State directory '{state}' already records uploads of '{_temp.Combine("a")}' to topic 't'; give '{_temp.Combine("b")}' a state directory of its own (-StateDirectory).", error.Message);

            using UploadRegistry running = UploadRegistry.Open(state, _temp.Combine("a"), "t");
            var busy = Assert.Throws<OpenMsiStreamException>(() => UploadRegistry.Open(state, _temp.Combine("a"), "t"));
            Assert.Equal(ErrorIds.StateDirectoryInUse, busy.ErrorId);
            Assert.StartsWith("Another uploader is already sending", busy.Message);
        }

        [Fact]
        public void TheDefaultStateDirectoryIsOutsideTheWatchedDirectoryAndDiffersPerDirectory()
        {
            string a = UploadRegistry.DefaultStateDirectory(_temp.Combine("lab", "xrd"));
            string b = UploadRegistry.DefaultStateDirectory(_temp.Combine("other", "xrd"));

            Assert.NotEqual(a, b);
            Assert.False(a.StartsWith(_temp.Path, StringComparison.Ordinal));
            Assert.StartsWith("xrd-", Path.GetFileName(a));
        }

        private sealed class CountingObserver : IRunObserver<SentFile, UploadProgress>
        {
            private int _sent;

            public int Sent => Volatile.Read(ref _sent);

            /// <summary>Once this is cancelled, every report throws, as a stopped PowerShell pipeline's queue does.</summary>
            public CancellationToken ThrowWhen { get; set; }

            public List<OpenMsiStreamException> Errors { get; } = new List<OpenMsiStreamException>();

            public void File(SentFile file)
            {
                ThrowWhen.ThrowIfCancellationRequested();
                Interlocked.Increment(ref _sent);
            }

            public void Error(OpenMsiStreamException error)
            {
                lock (Errors)
                {
                    Errors.Add(error);
                }
            }

            public List<string> Warnings { get; } = new List<string>();

            public bool HasWarning(string text)
            {
                lock (Warnings)
                {
                    return Warnings.Any(w => w.Contains(text));
                }
            }

            public void Warning(string message)
            {
                lock (Warnings)
                {
                    Warnings.Add(message);
                }
            }

            public void Verbose(string message)
            {
            }

            public void Progress(UploadProgress progress) => ThrowWhen.ThrowIfCancellationRequested();
        }
    }

    public class FileSelectorTests
    {
        [Theory]
        [InlineData("catalog.txt", true)]
        [InlineData("blog/post.txt", true)]
        [InlineData("dialogue.csv", true)]
        [InlineData("x.log", true)]
        [InlineData("log.txt", true)]
        [InlineData(".hidden", false)]
        [InlineData("sub/.git/config", false)]
        [InlineData(".git/config", false)]
        [InlineData("state/upload-registry.db", false)]
        [InlineData("statefile.txt", true)]
        public void ByDefaultHiddenFilesAndTheStateDirectoryAreSkippedButNamesWithLogAreNot(string path, bool selected)
        {
            var selector = new FileSelector(null, null, null, includeHidden: false, excludedDirectory: "state");

            Assert.Equal(selected, selector.IsSelected(path));
        }

        [Theory]
        [InlineData("a.csv", true)]
        [InlineData("deep/er/b.csv", true)]
        [InlineData("c.tmp.csv", false)]
        [InlineData("raw/d.csv", false)]
        [InlineData("e.txt", false)]
        public void IncludeExcludeAndFilterCombine(string path, bool selected)
        {
            var selector = new FileSelector(new[] { "*.csv" }, new[] { "*.tmp.*", "raw/**" }, new Regex("^[a-z]"), includeHidden: false, excludedDirectory: null);

            Assert.Equal(selected, selector.IsSelected(path));
        }
    }
}
