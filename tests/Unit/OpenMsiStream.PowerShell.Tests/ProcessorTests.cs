using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.PowerShell.Tests.Support;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.PowerShell.Tests
{
    /// <summary>Invoke-MsiStreamProcessor and Start-MsiS3Transfer in a hosted PowerShell engine, through the embedded broker.</summary>
    [Collection(ModuleCollection.Name)]
    public class ProcessorTests : IDisposable
    {
        private const string ProcessorCommand = "OpenMsiStream.PowerShell.Commands.InvokeMsiStreamProcessorCommand";
        private readonly ModuleFixture _module;
        private readonly TempDirectory _temp = new TempDirectory("psprocess");
        private readonly string _topic = TestBytes.NewTopic();
        private readonly string _config;

        public ProcessorTests(ModuleFixture module)
        {
            _module = module;
            _module.EnsureBrokerRunning();
            // A group run twice waits out the session timeout on the embedded broker: keep it short.
            _config = Path.Combine(_temp.Path, "short-session.config");
            File.WriteAllText(_config, $"[broker]\nbootstrap.servers = {Bootstrap}\n[consumer]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 1000\n");
        }

        private string Bootstrap => (string)_module.Broker.Properties["BootstrapServers"].Value;

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void AScriptThatFailsOnAFileIsRunOnItAgainAfterARestartAndNeverAgainOnTheOthers()
        {
            Send(("file1.csv", "a,b\n1,2\n"), ("file2.csv", "a,b\n3,4\n5,6\n"));
            const string Script = "param($File) if ($File.Name -eq 'file1.csv' -and $using:failFirst) { throw \"cannot parse $($File.Name)\" }; [pscustomobject]@{ Name = $File.Name; Rows = ([Text.Encoding]::UTF8.GetString($File.Bytes).Trim() -split \"`n\").Count - 1 }";

            using var first = _module.Create();
            first.AddScript("$failFirst = $true").AddStatement()
                .AddCommand("Invoke-MsiStreamProcessor").AddParameter("Topic", _topic).AddParameter("ScriptBlock", ScriptBlock.Create(Script))
                .AddParameter("GroupId", "analysis").AddParameter("StateDirectory", _temp.Combine("state")).AddParameter("Config", _config).AddParameter("Count", 2);
            Collection<PSObject> run1 = first.Invoke();

            Assert.Equal(2, run1.Count);
            Assert.All(run1, r => Assert.Equal("OpenMsiStream.Processing.ProcessedFile", r.BaseObject.GetType().FullName));
            PSObject failed = run1.Single(r => Prop(r, "RelativePath") == "file1.csv");
            Assert.Equal("Failed", Prop(failed, "Status"));
            Assert.Equal("cannot parse file1.csv", Prop(failed, "ErrorMessage"));
            ErrorRecord error = Assert.Single(first.Streams.Error);
            Assert.Equal($"ProcessingFailed,{ProcessorCommand}", error.FullyQualifiedErrorId);
            Assert.Equal("Processing 'file1.csv' failed: cannot parse file1.csv", error.Exception.Message);
            Assert.Equal("file1.csv", error.TargetObject);
            PSObject processed = run1.Single(r => Prop(r, "RelativePath") == "file2.csv");
            Assert.Equal("Processed", Prop(processed, "Status"));
            PSObject output = PSObject.AsPSObject(Assert.Single((IEnumerable<object>)processed.Properties["Output"].Value));
            Assert.Equal(2, Convert.ToInt32(output.Properties["Rows"].Value));

            Send(("file3.csv", "a,b\n7,8\n"));
            using var second = _module.Create();
            second.AddScript("$failFirst = $false").AddStatement()
                .AddCommand("Invoke-MsiStreamProcessor").AddParameter("Topic", _topic).AddParameter("ScriptBlock", ScriptBlock.Create(Script))
                .AddParameter("GroupId", "analysis").AddParameter("StateDirectory", _temp.Combine("state")).AddParameter("Config", _config).AddParameter("IdleTimeout", 3);
            Collection<PSObject> run2 = second.Invoke();

            Assert.Empty(second.Streams.Error);
            Assert.Equal(new[] { "file1.csv", "file3.csv" }, run2.Select(r => Prop(r, "RelativePath")).OrderBy(n => n));
            Assert.All(run2, r => Assert.Equal("Processed", Prop(r, "Status")));
            Assert.Equal("2", Prop(run2.Single(r => Prop(r, "RelativePath") == "file1.csv"), "Attempt"));
        }

        [Fact]
        public void EachOutputObjectIsProducedAsJsonWithOpenMsiStreamsResultKey()
        {
            Send(("run 1/scan;a.csv", "x\n1\n"));
            string results = TestBytes.NewTopic();

            Collection<PSObject> run = _module.Invoke(
                $"$threshold = 0.5; Invoke-MsiStreamProcessor -Topic {_topic} -ResultTopic {results} -Count 1 -IdleTimeout 30 -ArgumentList 'extra' -ScriptBlock {{ param($File, $Extra) [ordered]@{{ file = $File.RelativePath; threshold = $using:threshold; extra = $Extra; when = [datetime]'2026-01-02T03:04:05Z'; list = 1, 2 }} }}");

            Assert.Equal("1", Prop(Assert.Single(run), "ResultsProduced"));
            (string key, string value) = Assert.Single(ReadTopic(results, 1));
            Assert.Equal("run 1_scan;a.csv_chunk_processing_result", key);
            JsonElement json = JsonDocument.Parse(value).RootElement;
            Assert.Equal("run 1/scan;a.csv", json.GetProperty("file").GetString());
            Assert.Equal(0.5, json.GetProperty("threshold").GetDouble());
            Assert.Equal("extra", json.GetProperty("extra").GetString());
            // PowerShell turns the text into a local time; the JSON keeps its offset, so the instant survives.
            Assert.Equal(DateTimeOffset.Parse("2026-01-02T03:04:05Z"), json.GetProperty("when").GetDateTimeOffset());
            Assert.Equal(new[] { 1, 2 }, json.GetProperty("list").EnumerateArray().Select(e => e.GetInt32()));
        }

        [Fact]
        public void WithMetadataTheScriptMustReturnOneObjectPerFile()
        {
            Send(("good.csv", "x\n"), ("two.csv", "x\n"));
            string results = TestBytes.NewTopic();
            using var ps = _module.Create();
            ps.AddScript($"Invoke-MsiStreamProcessor -Topic {_topic} -ResultTopic {results} -Metadata -Count 2 -IdleTimeout 30 -ScriptBlock {{ param($File) if ($File.Name -eq 'two.csv') {{ 1; 2 }} else {{ @{{ sample = 'SC001'; bytes = $File.Length }} }} }}");

            Collection<PSObject> run = ps.Invoke();

            Assert.Equal("Failed", Prop(run.Single(r => Prop(r, "RelativePath") == "two.csv"), "Status"));
            ErrorRecord error = Assert.Single(ps.Streams.Error);
            Assert.Equal($"ResultNotSerializable,{ProcessorCommand}", error.FullyQualifiedErrorId);
            Assert.Equal("With -Metadata the script must output exactly one hashtable or object for 'two.csv'; it output 2 objects.", error.Exception.Message);
            (string key, string value) = Assert.Single(ReadTopic(results, 1));
            Assert.Equal("_good.csv_chunk_processing_result", key);
            Assert.Equal("SC001", JsonDocument.Parse(value).RootElement.GetProperty("sample").GetString());
        }

        [Fact]
        public void AProgramInAnotherLanguageProcessesEachFileFromDisk()
        {
            string script = _temp.WriteFile("count.py", System.Text.Encoding.UTF8.GetBytes(
                "import json, sys\nprint(json.dumps({'name': sys.argv[2], 'bytes': len(open(sys.argv[1], 'rb').read())}))\n"));
            Send(("data/a b.txt", "hello"));

            Collection<PSObject> run = _module.Invoke(
                $"Invoke-MsiStreamProcessor -Topic {_topic} -Mode Disk -OutputDirectory '{_temp.Combine("out")}' -Count 1 -IdleTimeout 30 -Command python3 -ArgumentList '{script}', '{{path}}', '{{relativePath}}'");

            PSObject result = Assert.Single(run);
            Assert.Equal("Processed", Prop(result, "Status"));
            Assert.Equal("{\"name\": \"data/a b.txt\", \"bytes\": 5}", Prop(result, "Log").Trim());
            Assert.Equal("hello", File.ReadAllText(_temp.Combine("out", "data", "a b.txt")));
        }

        [Fact]
        public void CtrlCStopsARunningScriptPromptlyAndTheFileIsProcessedAfterTheRestart()
        {
            Send(("slow.dat", "x"));
            string marker = _temp.Combine("started");
            string script = $"param($File) if (-not [IO.File]::Exists('{marker}')) {{ [IO.File]::WriteAllText('{marker}', ''); [Threading.Thread]::Sleep(120000) }}; 'done'";
            using var ps = _module.Create();
            ps.AddCommand("Invoke-MsiStreamProcessor").AddParameter("Topic", _topic).AddParameter("ScriptBlock", ScriptBlock.Create(script))
                .AddParameter("GroupId", "stop").AddParameter("StateDirectory", _temp.Combine("state")).AddParameter("Config", _config);
            IAsyncResult running = ps.BeginInvoke();
            DateTime deadline = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(marker) && DateTime.UtcNow < deadline)
            {
                System.Threading.Thread.Sleep(50);
            }
            Assert.True(File.Exists(marker), "the script started");

            var clock = System.Diagnostics.Stopwatch.StartNew();
            ps.Stop();
            Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(running));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"stopped after {clock.Elapsed}");

            Collection<PSObject> restarted = _module.Invoke(
                $"Invoke-MsiStreamProcessor -Topic {_topic} -GroupId stop -StateDirectory '{_temp.Combine("state")}' -Config '{_config}' -Count 1 -IdleTimeout 30 -ScriptBlock {{ {script} }}");
            PSObject again = Assert.Single(restarted);
            Assert.Equal("slow.dat", Prop(again, "RelativePath"));
            Assert.Equal("Processed", Prop(again, "Status"));
            Assert.Equal("2", Prop(again, "Attempt"));
        }

        [Fact]
        public void AMissingUsingVariableOrProgramIsATerminatingErrorBeforeAnythingRuns()
        {
            using var ps = _module.Create();
            ps.AddCommand("Invoke-MsiStreamProcessor").AddParameter("Topic", _topic).AddParameter("Count", 1).AddParameter("ScriptBlock", ScriptBlock.Create("param($File) $using:noSuchVariable"));
            var error = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke()).ErrorRecord;
            Assert.Equal($"InvalidArgument,{ProcessorCommand}", error.FullyQualifiedErrorId);
            Assert.Equal("The script block uses $using:noSuchVariable, but there is no variable 'noSuchVariable' here.", error.Exception.Message);

            using var program = _module.Create();
            program.AddCommand("Invoke-MsiStreamProcessor").AddParameter("Topic", _topic).AddParameter("Command", "no-such-program-xyz").AddParameter("Count", 1);
            var missing = Assert.ThrowsAny<RuntimeException>(() => program.Invoke()).ErrorRecord;
            Assert.Equal($"CommandNotFound,{ProcessorCommand}", missing.FullyQualifiedErrorId);
        }

        [Fact]
        public void StartMsiS3TransferCopiesEachFileToTheBucketWithItsSha512()
        {
            using var s3 = new S3Server("lab-bucket");
            string config = s3.WriteConfig(Path.Combine(_temp.Path, "s3.config"), Bootstrap);
            byte[] content = TestBytes.Random(70_000, 5);
            string source = _temp.Combine("s3src");
            _temp.WriteFile(Path.Combine("s3src", "run 1", "scan;1 µ.raw"), content);
            _temp.WriteFile(Path.Combine("s3src", "empty.dat"), Array.Empty<byte>());
            SendDirectory(source);

            using var ps = _module.Create();
            ps.AddCommand("Start-MsiS3Transfer").AddParameter("Topic", _topic).AddParameter("Bucket", "lab-bucket").AddParameter("Config", config)
                .AddParameter("StateDirectory", _temp.Combine("s3state")).AddParameter("Count", 2).AddParameter("IdleTimeout", 30);
            Collection<PSObject> run = ps.Invoke();

            Assert.Empty(ps.Streams.Error);
            Assert.Equal(2, run.Count);
            Assert.All(run, r => Assert.Equal("Uploaded", Prop(r, "Status")));
            PSObject scan = run.Single(r => Prop(r, "RelativePath") == "run 1/scan;1 µ.raw");
            Assert.Equal($"s3://lab-bucket/{_topic}/run 1/scan;1 µ.raw", Prop(scan, "Uri"));
            Assert.Equal(content, s3.StoredObject("lab-bucket", $"{_topic}/run 1/scan;1 µ.raw"));
            Assert.Equal(Array.Empty<byte>(), s3.StoredObject("lab-bucket", $"{_topic}/empty.dat"));
            Assert.Contains(TestBytes.Sha512Hex(content), s3.StoredMetadata("lab-bucket", $"{_topic}/run 1/scan;1 µ.raw"));
        }

        /// <summary>
        /// Ctrl+C on a busy machine: the pipeline is marked stopping (so the cmdlet's next progress
        /// record throws PipelineStoppedException) well before PowerShell calls StopProcessing. The
        /// transfer must still stop and say what it did; it used to end silently, without the summary.
        /// </summary>
        [Fact]
        public void StartMsiS3TransferSaysWhatItDidWhenThePipelineStopsBeforeStopProcessingIsCalled()
        {
            using var s3 = new S3Server("lab-bucket");
            string config = s3.WriteConfig(Path.Combine(_temp.Path, "s3.config"), Bootstrap);
            Send(("a.bin", "first file"));
            using var gate = new StopGate();
            using var ps = _module.Create();
            ps.AddCommand("Start-MsiS3Transfer").AddParameter("Topic", _topic).AddParameter("Bucket", "lab-bucket").AddParameter("Config", config)
                .AddParameter("StateDirectory", _temp.Combine("s3state"))
                .AddCommand(StopGateCommand.Info).AddParameter("Gate", gate);
            var warnings = new System.Collections.Concurrent.ConcurrentQueue<string>();
            using var summarized = new ManualResetEventSlim();
            ps.Streams.Warning.DataAdded += (sender, added) =>
            {
                string message = ((PSDataCollection<WarningRecord>)sender!)[added.Index].Message;
                warnings.Enqueue(message);
                if (message.StartsWith("Stopped:", StringComparison.Ordinal))
                {
                    summarized.Set();
                }
            };
            IAsyncResult running = ps.BeginInvoke();
            Assert.True(gate.FirstObject.Wait(TimeSpan.FromSeconds(90)), "the first file was copied");

            var stopping = new Thread(ps.Stop) { IsBackground = true, Name = "Ctrl+C" };
            stopping.Start();
            // StopProcessing is held back until the summary is there or the pipeline ended without it.
            WaitHandle.WaitAny(new[] { summarized.WaitHandle, running.AsyncWaitHandle }, TimeSpan.FromSeconds(60));
            bool summarizedBeforeStopProcessing = summarized.IsSet;
            gate.Release();
            Assert.True(stopping.Join(TimeSpan.FromSeconds(60)), "Stop() returned");
            Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(running));

            Assert.True(summarizedBeforeStopProcessing, $"no summary before StopProcessing; warnings: [{string.Join(" | ", warnings)}]");
            Assert.Contains("Stopped: 1 processed, 0 failed, 0 skipped (handled in an earlier run). Files that were being handled are handled again at the next start.", warnings);
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes("first file"), s3.StoredObject("lab-bucket", $"{_topic}/a.bin"));
        }

        [Fact]
        public void StartMsiS3TransferRefusesAnInvalidBucketName()
        {
            using var ps = _module.Create();
            ps.AddCommand("Start-MsiS3Transfer").AddParameter("Topic", _topic).AddParameter("Bucket", "Lab_Bucket").AddParameter("Count", 1);
            var error = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke()).ErrorRecord;
            Assert.Equal("InvalidBucketName,OpenMsiStream.PowerShell.Commands.StartMsiS3TransferCommand", error.FullyQualifiedErrorId);
            Assert.Equal("'Lab_Bucket' is not a valid S3 bucket name: use only lower-case letters, digits, '.' and '-'.", error.Exception.Message);
        }

        private static string Prop(PSObject value, string name) => Convert.ToString(value.Properties[name].Value, System.Globalization.CultureInfo.InvariantCulture)!;

        private void Send(params (string Name, string Content)[] files)
        {
            string source = _temp.Combine("src-" + Guid.NewGuid().ToString("N"));
            foreach ((string name, string content) in files)
            {
                _temp.WriteFile(Path.Combine(Path.GetFileName(source), name), System.Text.Encoding.UTF8.GetBytes(content));
            }
            SendDirectory(source);
        }

        /// <summary>Every file under the directory, as FileInfo objects piped into Send-MsiDataFile.</summary>
        private void SendDirectory(string source)
        {
            using var send = _module.Create();
            send.AddCommand("Send-MsiDataFile").AddParameter("Topic", _topic).AddParameter("RootDirectory", source);
            FileInfo[] files = new DirectoryInfo(source).GetFiles("*", SearchOption.AllDirectories);
            Assert.Equal(files.Length, send.Invoke(files).Count);
            Assert.Empty(send.Streams.Error);
        }

        /// <summary>
        /// Reads a result topic with the Confluent.Kafka client the module loaded, from a PowerShell script.
        /// The module's Confluent.Kafka is in its own load context, out of reach of type literals: its
        /// types are taken from that context.
        /// </summary>
        private List<(string Key, string Value)> ReadTopic(string topic, int expected)
        {
            Collection<PSObject> messages = _module.Invoke($@"
$core = (Get-Command Receive-MsiDataFile).OutputType[0].Type.Assembly
$kafka = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($core).LoadFromAssemblyName([Reflection.AssemblyName]'Confluent.Kafka')
$config = $kafka.GetType('Confluent.Kafka.ConsumerConfig')::new()
$config.BootstrapServers = '{Bootstrap}'
$config.GroupId = 'raw-' + [guid]::NewGuid()
$config.AutoOffsetReset = 'Earliest'
$consumer = $kafka.GetType('Confluent.Kafka.ConsumerBuilder`2').MakeGenericType([byte[]], [byte[]])::new($config).Build()
try {{
    $consumer.Subscribe('{topic}')
    $found = 0
    $deadline = [datetime]::UtcNow.AddSeconds(30)
    while ($found -lt {expected} -and [datetime]::UtcNow -lt $deadline) {{
        $message = $consumer.Consume([TimeSpan]::FromMilliseconds(200))
        if ($message) {{
            $found++
            [pscustomobject]@{{ Key = [Text.Encoding]::UTF8.GetString($message.Message.Key); Value = [Text.Encoding]::UTF8.GetString($message.Message.Value) }}
        }}
    }}
}} finally {{ $consumer.Close(); $consumer.Dispose() }}");
            return messages.Select(m => ((string)m.Properties["Key"].Value, (string)m.Properties["Value"].Value)).ToList();
        }
    }
}
