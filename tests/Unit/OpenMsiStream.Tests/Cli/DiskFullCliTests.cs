using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Download;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Wire;
using Xunit;

namespace OpenMsiStream.Tests.Cli
{
    /// <summary>
    /// <c>download-directory</c> as a separate process whose output runs full (a real, small tmpfs):
    /// it keeps running, reports each file once, and delivers everything by itself once there is space.
    /// </summary>
    public sealed class DiskFullCliTests : IDisposable
    {
        private const string Topic = "full";
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(120);
        private readonly SmallFileSystem _disk = new SmallFileSystem(megabytes: 8);
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(1, Topic);

        public void Dispose()
        {
            _broker.Dispose();
            _disk.Dispose();
        }

        [Fact]
        public async Task AFullDiskPausesTheReceiverWhichReportsEachFileOnceAndDeliversEverythingWhenSpaceIsBack()
        {
            string output = Path.Combine(_disk.Path, "received");
            var contents = Enumerable.Range(0, 6).ToDictionary(i => $"scan {i}.raw", i => TestData.Bytes(700_000, seed: i));
            _broker.ProduceRaw(Topic, contents.SelectMany(f => ChunkFactory.Split(f.Value, 65536, "", f.Key)).Select(Message));
            _disk.Fill(leaveFree: 1_000_000); // room for one file, not for six

            using CliProcess receiver = CliProcess.Start("download-directory", output, "--topic", Topic, "--bootstrap-servers", _broker.Broker.BootstrapServers, "--group-id", "archive");
            await receiver.WaitUntilAsync(() => receiver.Stderr.Contains("error OutputWriteFailed"), Long, "the disk to run full; " + receiver.Stderr);
            await Task.Delay(TimeSpan.FromSeconds(8)); // more than one retry
            Assert.False(receiver.HasExited, "the receiver ended on a full disk: " + receiver.Stderr);
            string[] errors = receiver.Stderr.Split('\n').Where(l => l.Contains("error OutputWriteFailed")).ToArray();
            Assert.All(errors, e => Assert.Contains("Receiving pauses and tries again", e));
            Assert.Equal(errors.Length, errors.Select(e => e.Substring(0, e.IndexOf(':', e.IndexOf("write") + 1))).Distinct().Count()); // each file once
            Assert.True(errors.Length <= contents.Count, receiver.Stderr);

            _disk.Free();
            await receiver.WaitUntilAsync(() => contents.Keys.All(name => receiver.Stdout.Contains($"received {name} (")), Long, "every file to arrive without a restart; " + receiver.Stderr);
            Assert.Contains("works again after", receiver.Stderr);
            foreach (KeyValuePair<string, byte[]> file in contents)
            {
                Assert.Equal(file.Value, File.ReadAllBytes(Path.Combine(output, file.Key)));
                Assert.Single(receiver.Stdout.Split('\n'), l => l.StartsWith($"received {file.Key} (", StringComparison.Ordinal));
            }
            receiver.Terminate();
            await receiver.WaitAsync(Long);
            Assert.DoesNotContain("Unexpected", receiver.Stderr);
        }

        private static (byte[] Key, byte[] Value) Message(DataFileChunk chunk) =>
            (Encoding.UTF8.GetBytes(ChunkMessageKey.For(chunk.Subdirectory, chunk.Filename, chunk.ChunkIndex, chunk.TotalChunks)), ChunkMessageSerializer.Serialize(chunk));
    }
}
