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
    /// <summary>-HeartbeatTopic and friends on the long-running cmdlets, read back with Receive-MsiHeartbeat.</summary>
    [Collection(ModuleCollection.Name)]
    public class MonitoringTests : IDisposable
    {
        private readonly ModuleFixture _module;
        private readonly TempDirectory _temp = new TempDirectory("psmonitor");

        public MonitoringTests(ModuleFixture module)
        {
            _module = module;
            _module.EnsureBrokerRunning();
        }

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void ADirectoryUploadSendsHeartbeatsWithItsCountersAndWritesItsLogFile()
        {
            string topic = TestBytes.NewTopic();
            string heartbeats = TestBytes.NewTopic();
            string programId = "ps-upload-" + heartbeats;
            string log = _temp.Combine("logs", "upload.log");
            _temp.WriteFile(Path.Combine("in", "catalog.txt"), TestBytes.Random(3000, 1));
            _temp.WriteFile(Path.Combine("in", "run 1", "scan.csv"), TestBytes.Random(40_000, 2));

            using var upload = _module.Create();
            upload.AddCommand("Start-MsiUploadDirectory").AddParameter("Path", _temp.Combine("in")).AddParameter("Topic", topic)
                .AddParameter("StateDirectory", _temp.Combine("state")).AddParameter("UploadExisting").AddParameter("SettleTime", 0.3)
                .AddParameter("Duration", 3).AddParameter("ChunkSize", 16384)
                .AddParameter("ProgramId", programId).AddParameter("HeartbeatTopic", heartbeats).AddParameter("HeartbeatInterval", 0.5).AddParameter("LogFile", log);
            Assert.Equal(2, upload.Invoke().Count);
            Assert.Empty(upload.Streams.Error);

            Collection<PSObject> all = _module.Invoke($"Receive-MsiHeartbeat {heartbeats} -IdleTimeout 3");
            Assert.True(all.Count >= 3, $"{all.Count} heartbeats"); // the first at the start, every 0.5 s, a last one at the end
            Assert.All(all, h => Assert.Equal(programId, h.Properties["ProgramId"].Value));
            Assert.All(all, h => Assert.Null(h.Properties["MessagesRead"].Value)); // an uploader's heartbeat has no read counters
            Assert.Equal(4L, all.Sum(h => (long)h.Properties["MessagesProduced"].Value)); // 1 + 3 chunks of 16 KiB
            Assert.Equal(43_000L, all.Sum(h => (long)h.Properties["BytesProduced"].Value));

            PSObject latest = Assert.Single(_module.Invoke($"Receive-MsiHeartbeat {heartbeats} -Latest -ProgramId 'ps-upload-*'"));
            Assert.Equal(all.Max(h => (DateTimeOffset)h.Properties["Timestamp"].Value), (DateTimeOffset)latest.Properties["Timestamp"].Value);
            Assert.Empty(_module.Invoke($"Receive-MsiHeartbeat {heartbeats} -Latest -ProgramId someone-else"));

            string text = File.ReadAllText(log);
            Assert.Contains("sent run 1/scan.csv (40000 bytes, 3 chunks)", text);
            Assert.Contains($"upload-directory '{programId}' stopped.", text);
        }

        [Fact]
        public void ReceiveMsiHeartbeatOnAMissingTopicAndBadMonitoringParametersAreSpecificErrors()
        {
            using var missing = _module.Create();
            missing.AddScript("Receive-MsiHeartbeat no-such-heartbeat-topic -Latest");
            ErrorRecord error = Assert.Single(Invoked(missing).Streams.Error);
            Assert.Equal("TopicNotFound,OpenMsiStream.PowerShell.Commands.ReceiveMsiHeartbeatCommand", error.FullyQualifiedErrorId);
            Assert.StartsWith("Topic 'no-such-heartbeat-topic' does not exist on 127.0.0.1:", error.Exception.Message);

            using var badId = _module.Create();
            badId.AddScript($"Receive-MsiDataFile -Topic x -OutputDirectory '{_temp.Path}' -ProgramId 'a/b'");
            ErrorRecord invalid = Assert.Single(Invoked(badId).Streams.Error);
            Assert.Equal("InvalidArgument,OpenMsiStream.PowerShell.Commands.ReceiveMsiDataFileCommand", invalid.FullyQualifiedErrorId);
            Assert.Equal("'a/b' cannot be a program id: use 1 to 200 characters without slashes or line breaks.", invalid.Exception.Message);
        }

        /// <summary>A statement-terminating error ends the statement, not the script: it lands in the error stream.</summary>
        private static System.Management.Automation.PowerShell Invoked(System.Management.Automation.PowerShell ps)
        {
            Assert.Empty(ps.Invoke());
            return ps;
        }
    }
}
