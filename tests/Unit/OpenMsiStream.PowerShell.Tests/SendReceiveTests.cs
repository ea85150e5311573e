using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OpenMsiStream.PowerShell.Tests.Support;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.PowerShell.Tests
{
    /// <summary>Send-MsiDataFile and Receive-MsiDataFile in a hosted PowerShell engine, through the embedded broker.</summary>
    [Collection(ModuleCollection.Name)]
    public class SendReceiveTests : IDisposable
    {
        private const string SendCommand = "OpenMsiStream.PowerShell.Commands.SendMsiDataFileCommand";
        private const string ReceiveCommand = "OpenMsiStream.PowerShell.Commands.ReceiveMsiDataFileCommand";
        private static readonly string[] Names =
        {
            "plain.dat",
            "with space/Messung 01.csv",
            "tab\tin name.txt",
            "quotes 'single' and \"double\".txt",
            "semi;colon.zip",
            "Proben ü/Größe µm.bin",
            "empty.dat",
            "big/multi-chunk.raw",
        };

        private readonly ModuleFixture _module;
        private readonly TempDirectory _temp = new TempDirectory("pstests");

        public SendReceiveTests(ModuleFixture module)
        {
            _module = module;
            _module.EnsureBrokerRunning();
        }

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void FileInfoObjectsPipedIntoSendComeBackFromReceiveByteIdentical()
        {
            string topic = TestBytes.NewTopic();
            string source = Path.Combine(_temp.Path, "source");
            Dictionary<string, byte[]> contents = Names.ToDictionary(n => n, n => n == "empty.dat" ? Array.Empty<byte>() : TestBytes.Random(n.EndsWith(".raw") ? 100_000 : 2000, n.Length));
            FileInfo[] files = Names.Select(n => new FileInfo(_temp.WriteFile(Path.Combine("source", n), contents[n]))).ToArray();

            using var send = _module.Create();
            send.AddCommand("Send-MsiDataFile").AddParameter("Topic", topic).AddParameter("RootDirectory", source).AddParameter("ChunkSize", 16384);
            Collection<PSObject> sent = send.Invoke(files);

            Assert.Empty(send.Streams.Error);
            Assert.Equal(Names.Length, sent.Count);
            Assert.All(sent, s => Assert.Equal("OpenMsiStream.Upload.SentFile", s.BaseObject.GetType().FullName));
            Assert.Equal(7, (int)sent.Single(s => (string)s.Properties["RelativePath"].Value == "big/multi-chunk.raw").Properties["ChunkCount"].Value);

            string output = Path.Combine(_temp.Path, "received");
            using var receive = _module.Create();
            receive.AddCommand("Receive-MsiDataFile").AddParameter("Topic", topic).AddParameter("OutputDirectory", output).AddParameter("Count", Names.Length).AddParameter("IdleTimeout", 30);
            Collection<PSObject> received = receive.Invoke();

            Assert.Empty(receive.Streams.Error);
            Assert.Equal(Names.Length, received.Count);
            Assert.All(received, r => Assert.Equal("OpenMsiStream.Download.ReceivedFile", r.BaseObject.GetType().FullName));
            Assert.Equal(Names.OrderBy(n => n, StringComparer.Ordinal), TestBytes.RelativeFiles(output));
            foreach (string name in Names)
            {
                Assert.Equal(contents[name], File.ReadAllBytes(Path.Combine(output, name)));
                PSObject receivedFile = received.Single(r => (string)r.Properties["RelativePath"].Value == name);
                Assert.Equal(TestBytes.Sha512Hex(contents[name]), receivedFile.Properties["Sha512"].Value);
                Assert.Equal(sent.Single(s => (string)s.Properties["RelativePath"].Value == name).Properties["Sha512"].Value, receivedFile.Properties["Sha512"].Value);
            }
        }

        [Fact]
        public void ObjectsWithAFullNamePropertyBindByPropertyNameInAScriptPipeline()
        {
            string topic = TestBytes.NewTopic();
            string path = _temp.WriteFile("custom.csv", TestBytes.Random(500, 3));

            Collection<PSObject> output = _module.Invoke($@"
                [pscustomobject]@{{ FullName = '{path}' }} | Send-MsiDataFile -Topic {topic} | ForEach-Object {{ $_.RelativePath }}
                Receive-MsiDataFile -Topic {topic} -Count 1 -IdleTimeout 30 | ForEach-Object {{ [Convert]::ToBase64String($_.Bytes) }}");

            Assert.Equal(new object[] { "custom.csv", Convert.ToBase64String(File.ReadAllBytes(path)) }, output.Select(o => o.BaseObject));
        }

        [Fact]
        public void WhatIfSendsNothingAndSaysWhatItWouldDo()
        {
            string topic = TestBytes.NewTopic();
            string path = _temp.WriteFile("whatif.dat", new byte[1234]);
            _module.Host.Lines.Clear();

            using var send = _module.Create();
            send.AddCommand("Send-MsiDataFile").AddParameter("Path", path).AddParameter("Topic", topic).AddParameter("BootstrapServers", "127.0.0.1:1").AddParameter("WhatIf");
            Collection<PSObject> output = send.Invoke();

            Assert.Empty(output);
            Assert.Empty(send.Streams.Error);
            Assert.Equal($"What if: Performing the operation \"Send to topic '{topic}' as 'whatif.dat'\" on target \"{path} (1.2 KB)\".", Assert.Single(_module.Host.Lines));
            Assert.Empty(_module.Invoke($"Receive-MsiDataFile -Topic {topic} -IdleTimeout 1.5"));
        }

        [Fact]
        public void LongWorkEndsWithACompletedProgressRecord()
        {
            string topic = TestBytes.NewTopic();
            string path = _temp.WriteFile("progress.raw", TestBytes.Random(300_000, 4));

            using var send = _module.Create();
            send.AddCommand("Send-MsiDataFile").AddParameter("Path", path).AddParameter("Topic", topic).AddParameter("ChunkSize", 16384);
            send.Invoke();
            using var receive = _module.Create();
            receive.AddCommand("Receive-MsiDataFile").AddParameter("Topic", topic).AddParameter("Count", 1).AddParameter("IdleTimeout", 30);
            receive.Invoke();

            Assert.NotEmpty(send.Streams.Progress);
            Assert.Equal(ProgressRecordType.Completed, send.Streams.Progress.Last().RecordType);
            Assert.Equal($"Sending files to topic '{topic}'", send.Streams.Progress.Last().Activity);
            Assert.Equal(ProgressRecordType.Completed, receive.Streams.Progress.Last().RecordType);
        }

        [Fact]
        public void AMissingFileIsANonTerminatingErrorAndTheOthersAreSent()
        {
            string topic = TestBytes.NewTopic();
            string missing = Path.Combine(_temp.Path, "missing.dat");
            string present = _temp.WriteFile("present.dat", new byte[] { 1 });

            using var send = _module.Create();
            send.AddCommand("Send-MsiDataFile").AddParameter("LiteralPath", new[] { missing, present }).AddParameter("Topic", topic);
            Collection<PSObject> output = send.Invoke();

            ErrorRecord error = Assert.Single(send.Streams.Error);
            Assert.Equal($"FileNotFound,{SendCommand}", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal($"File '{missing}' does not exist.", error.Exception.Message);
            Assert.Equal("present.dat", Assert.Single(output).Properties["RelativePath"].Value);
        }

        [Fact]
        public void TwoFilesThatWouldArriveUnderOneNameAreNotBothSent()
        {
            // Get-ChildItem -Recurse | Send-MsiDataFile without -RootDirectory: a/x.csv and b/x.csv are both "x.csv".
            string topic = TestBytes.NewTopic();
            string first = _temp.WriteFile(Path.Combine("a", "x.csv"), new byte[] { 1 });
            string second = _temp.WriteFile(Path.Combine("b", "x.csv"), new byte[] { 2 });

            using var send = _module.Create();
            send.AddCommand("Send-MsiDataFile").AddParameter("LiteralPath", new[] { first, second, first }).AddParameter("Topic", topic);
            Collection<PSObject> output = send.Invoke();

            ErrorRecord error = Assert.Single(send.Streams.Error);
            Assert.Equal($"InvalidArgument,{SendCommand}", error.FullyQualifiedErrorId);
            Assert.Equal($"'{second}' is not sent: '{first}' is already sent as 'x.csv' by this command, and receivers would keep only one. Give -RootDirectory so that subdirectories are kept.", error.Exception.Message);
            Assert.Equal(new[] { "x.csv", "x.csv" }, output.Select(o => (string)o.Properties["RelativePath"].Value)); // the same file twice is allowed

            using var again = _module.Create();
            again.AddCommand("Send-MsiDataFile").AddParameter("LiteralPath", new[] { first, second }).AddParameter("Topic", topic).AddParameter("RootDirectory", _temp.Path);
            Assert.Equal(new[] { "a/x.csv", "b/x.csv" }, again.Invoke().Select(o => (string)o.Properties["RelativePath"].Value).OrderBy(p => p, StringComparer.Ordinal));
            Assert.Empty(again.Streams.Error);
        }

        [Theory]
        [InlineData("ChunkSize", 1000, "InvalidChunkSize", ErrorCategory.InvalidArgument)]
        [InlineData("Topic", "no spaces allowed", "InvalidTopicName", ErrorCategory.InvalidArgument)]
        [InlineData("BootstrapServers", "127.0.0.1:1", "BrokerUnreachable", ErrorCategory.ConnectionError)]
        [InlineData("Config", "./no-such.config", "ConfigFileNotFound", ErrorCategory.ObjectNotFound)]
        public void ProblemsThatStopTheWholeCommandAreTerminatingErrorsWithStableIds(string parameter, object value, string errorId, ErrorCategory category)
        {
            string path = _temp.WriteFile("x.dat", new byte[10]);

            using var ps = _module.Create();
            ps.AddCommand("Send-MsiDataFile").AddParameter("Path", path).AddParameter(parameter, value);
            if (parameter != "Topic")
            {
                ps.AddParameter("Topic", TestBytes.NewTopic());
            }
            var thrown = Assert.Throws<CmdletInvocationException>(() => ps.Invoke());

            Assert.Equal($"{errorId},{SendCommand}", thrown.ErrorRecord.FullyQualifiedErrorId);
            Assert.Equal(category, thrown.ErrorRecord.CategoryInfo.Category);
        }

        [Fact]
        public void StopEndsAReceiveThatWouldRunForeverWithinTwoSeconds()
        {
            using var ps = _module.Create();
            ps.AddCommand("Receive-MsiDataFile").AddParameter("Topic", TestBytes.NewTopic()).AddParameter("OutputDirectory", Path.Combine(_temp.Path, "out"));
            IAsyncResult running = ps.BeginInvoke();
            System.Threading.Thread.Sleep(1500);
            Assert.Equal(PSInvocationState.Running, ps.InvocationStateInfo.State);

            var clock = Stopwatch.StartNew();
            ps.Stop();
            clock.Stop();

            Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(running));
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"Stop() took {clock.Elapsed}");
        }

        [Fact]
        public void StopEndsASendInTheMiddleOfALargeFileWithinTwoSeconds()
        {
            string path = Path.Combine(_temp.Path, "large.raw");
            using (var stream = new FileStream(path, FileMode.CreateNew))
            {
                stream.SetLength(1L << 30); // 1 GiB, sparse: far more than a test could send in time
            }
            using var ps = _module.Create();
            ps.AddCommand("Send-MsiDataFile").AddParameter("Path", path).AddParameter("Topic", TestBytes.NewTopic()).AddParameter("ChunkSize", 16384);
            IAsyncResult running = ps.BeginInvoke();
            System.Threading.Thread.Sleep(1500);
            Assert.Equal(PSInvocationState.Running, ps.InvocationStateInfo.State);

            var clock = Stopwatch.StartNew();
            ps.Stop();
            clock.Stop();

            Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(running));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"Stop() took {clock.Elapsed}");
        }

        [Fact]
        public void FilesNotYetWrittenToThePipelineWhenItStopsAreDeliveredAgainToTheSameGroup()
        {
            string topic = TestBytes.NewTopic();
            string group = "g-" + topic;
            string source = Path.Combine(_temp.Path, "src");
            FileInfo[] files = Enumerable.Range(0, 20).Select(i => new FileInfo(_temp.WriteFile(Path.Combine("src", $"f{i:00}.dat"), TestBytes.Random(100, i)))).ToArray();
            using (var send = _module.Create())
            {
                send.AddCommand("Send-MsiDataFile").AddParameter("Topic", topic).AddParameter("RootDirectory", source);
                Assert.Equal(20, send.Invoke(files).Count);
            }

            // The embedded broker admits a new member to a group that one just left only after the
            // session timeout; a short one keeps this test quick.
            string config = Path.Combine(_temp.Path, "short-session.config");
            File.WriteAllText(config, $"[broker]\nbootstrap.servers = {_module.Broker.Properties["BootstrapServers"].Value}\n[consumer]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 1000\n");

            // A slow downstream step, stopped after the first file came out.
            var firstRun = new List<string>();
            using (var slow = _module.Create())
            {
                slow.AddScript($"Receive-MsiDataFile -Topic {topic} -GroupId {group} -Config '{config}' -IdleTimeout 10 | ForEach-Object {{ $_.RelativePath; [Threading.Thread]::Sleep(1500) }}");
                var output = new PSDataCollection<PSObject>();
                output.DataAdded += (_, e) =>
                {
                    lock (firstRun)
                    {
                        firstRun.Add((string)output[e.Index].BaseObject);
                        if (firstRun.Count == 1)
                        {
                            System.Threading.Tasks.Task.Run(() => slow.Stop());
                        }
                    }
                };
                try
                {
                    slow.Invoke(null, output);
                }
                catch (PipelineStoppedException)
                {
                }
            }

            Collection<PSObject> secondRun = _module.Invoke($"Receive-MsiDataFile -Topic {topic} -GroupId {group} -Config '{config}' -IdleTimeout 5 | ForEach-Object RelativePath");

            Assert.InRange(firstRun.Count, 1, 2);
            Assert.Equal(files.Select(f => f.Name).OrderBy(n => n), firstRun.Concat(secondRun.Select(o => (string)o.BaseObject)).Distinct().OrderBy(n => n));
        }

        [Fact]
        public void AnInvalidFilterRegexIsReported()
        {
            using var ps = _module.Create();
            ps.AddCommand("Receive-MsiDataFile").AddParameter("Topic", TestBytes.NewTopic()).AddParameter("Filter", "[unclosed").AddParameter("IdleTimeout", 1);
            var thrown = Assert.Throws<CmdletInvocationException>(() => ps.Invoke());

            Assert.Equal($"InvalidArgument,{ReceiveCommand}", thrown.ErrorRecord.FullyQualifiedErrorId);
            Assert.StartsWith("-Filter '[unclosed' is not a valid regular expression:", thrown.Message);
        }
    }
}
