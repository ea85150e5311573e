using System;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OpenMsiStream.PowerShell.Tests.Support;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.PowerShell.Tests
{
    /// <summary>Start-MsiUploadDirectory and Get-MsiUploadState in a hosted engine.</summary>
    [Collection(ModuleCollection.Name)]
    public class UploadDirectoryTests : IDisposable
    {
        private readonly ModuleFixture _module;
        private readonly TempDirectory _temp = new TempDirectory("psupload");

        public UploadDirectoryTests(ModuleFixture module)
        {
            _module = module;
            _module.EnsureBrokerRunning();
        }

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void AWatchedDirectoryIsSentAndItsStateCanBeQueried()
        {
            string topic = TestBytes.NewTopic();
            string watched = Path.Combine(_temp.Path, "instrument");
            string state = Path.Combine(_temp.Path, "state");
            byte[] catalog = TestBytes.Random(3000, 1);
            byte[] scan = TestBytes.Random(40_000, 2);
            _temp.WriteFile(Path.Combine("instrument", "catalog.txt"), catalog);
            _temp.WriteFile(Path.Combine("instrument", "run 1", "scan\t01.csv"), scan);
            _temp.WriteFile(Path.Combine("instrument", ".hidden"), new byte[] { 1 });
            _temp.WriteFile(Path.Combine("instrument", "empty.dat"), System.Array.Empty<byte>()); // sent too (OpenMSIStream drops empty files)

            using var upload = _module.Create();
            upload.AddCommand("Start-MsiUploadDirectory").AddParameter("Path", watched).AddParameter("Topic", topic)
                .AddParameter("StateDirectory", state).AddParameter("UploadExisting").AddParameter("SettleTime", 0.3).AddParameter("Duration", 4).AddParameter("ChunkSize", 16384);
            Collection<PSObject> sent = upload.Invoke();

            Assert.Empty(upload.Streams.Error);
            Assert.Equal(new[] { "catalog.txt", "empty.dat", "run 1/scan\t01.csv" }, sent.Select(s => (string)s.Properties["RelativePath"].Value).OrderBy(p => p, StringComparer.Ordinal));
            Assert.Equal(ProgressRecordType.Completed, upload.Streams.Progress.Last().RecordType);
            // Progress says files, bytes and rate while it runs.
            Assert.Contains(upload.Streams.Progress, p => p.RecordType == ProgressRecordType.Processing
                && System.Text.RegularExpressions.Regex.IsMatch(p.StatusDescription, @"^\d+ files sent \([\d.]+ [KMG]?B, [\d.]+ [KMG]?B/s\); \d+ in flight, \d+ waiting$"));

            Collection<PSObject> records = _module.Invoke($"Get-MsiUploadState -Path '{watched}' -StateDirectory '{state}'");
            Assert.Equal(3, records.Count);
            Assert.All(records, r => Assert.Equal("Sent", r.Properties["Status"].Value.ToString()));
            Assert.Equal(3, (int)records.Single(r => (string)r.Properties["RelativePath"].Value == "run 1/scan\t01.csv").Properties["ChunksAcknowledged"].Value);

            Collection<PSObject> received = _module.Invoke($"Receive-MsiDataFile -Topic {topic} -Count 3 -IdleTimeout 30");
            Assert.Empty((byte[])received.Single(r => (string)r.Properties["RelativePath"].Value == "empty.dat").Properties["Bytes"].Value);
            Assert.Equal(catalog, (byte[])received.Single(r => (string)r.Properties["RelativePath"].Value == "catalog.txt").Properties["Bytes"].Value);
            Assert.Equal(scan, (byte[])received.Single(r => (string)r.Properties["RelativePath"].Value == "run 1/scan\t01.csv").Properties["Bytes"].Value);

            string dependencies = Path.Combine(Path.GetDirectoryName(_module.ManifestPath)!, "dependencies", "linux-x64") + Path.DirectorySeparatorChar;
            Assert.Contains(File.ReadAllLines("/proc/self/maps"), l => l.Contains(dependencies + "libe_sqlite3.so"));
        }

        [Fact]
        public void CtrlCStopsTheUploaderWithinSecondsAndKeepsWhatItSent()
        {
            string topic = TestBytes.NewTopic();
            string watched = Path.Combine(_temp.Path, "many");
            string state = Path.Combine(_temp.Path, "state");
            for (int i = 0; i < 200; i++)
            {
                _temp.WriteFile(Path.Combine("many", $"f{i:000}.dat"), TestBytes.Random(300, i));
            }
            using var upload = _module.Create();
            upload.AddCommand("Start-MsiUploadDirectory").AddParameter("Path", watched).AddParameter("Topic", topic)
                .AddParameter("StateDirectory", state).AddParameter("UploadExisting").AddParameter("SettleTime", 0.1);
            var output = new PSDataCollection<PSObject>();
            IAsyncResult running = upload.BeginInvoke<PSObject, PSObject>(null, output);
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (output.Count < 20 && DateTime.UtcNow < deadline)
            {
                System.Threading.Thread.Sleep(20);
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            upload.Stop();
            clock.Stop();

            Assert.Throws<PipelineStoppedException>(() => upload.EndInvoke(running));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Stop() took {clock.Elapsed}");
            Collection<PSObject> sent = _module.Invoke($"Get-MsiUploadState -Path '{watched}' -StateDirectory '{state}' -Status Sent");
            var sentPaths = sent.Select(r => (string)r.Properties["RelativePath"].Value).ToHashSet();
            Assert.True(output.Count >= 20, $"only {output.Count} files were sent before the stop");
            Assert.All(output, o => Assert.Contains((string)o.Properties["RelativePath"].Value, sentPaths));
        }

        [Fact]
        public void AskingForTheStateOfADirectoryNeverWatchedIsANonTerminatingError()
        {
            using var ps = _module.Create();
            ps.AddCommand("Get-MsiUploadState").AddParameter("Path", _temp.Path).AddParameter("StateDirectory", Path.Combine(_temp.Path, "none"));
            ps.Invoke();

            ErrorRecord error = Assert.Single(ps.Streams.Error);
            Assert.Equal("FileNotFound,OpenMsiStream.PowerShell.Commands.GetMsiUploadStateCommand", error.FullyQualifiedErrorId);
        }

        [Theory]
        [InlineData(90, 90.0)]
        [InlineData("2.5", 2.5)]
        [InlineData("0:01:30", 90.0)]
        public void TimeSpansTakeSecondsOrTimeSpanText(object value, double seconds)
        {
            PSObject converted = Assert.Single(_module.Invoke(
                $"function t {{ param([OpenMsiStream.PowerShell.Infrastructure.SecondsOrTimeSpan()][TimeSpan] $Span) $Span.TotalSeconds }}; t -Span {(value is string s ? "'" + s + "'" : value)}"));
            Assert.Equal(seconds, (double)converted.BaseObject);
        }
    }
}
