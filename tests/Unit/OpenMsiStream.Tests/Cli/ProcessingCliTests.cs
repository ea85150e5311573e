using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Kafka;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using Xunit;

namespace OpenMsiStream.Tests.Cli
{
    /// <summary>`openmsistream process` and `openmsistream s3-transfer` as separate processes.</summary>
    public class ProcessingCliTests : IDisposable
    {
        private const string Topic = "cli-lab";
        private const string Results = "cli-lab-results";
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
        private readonly TempDirectory _temp = new TempDirectory("cli-processing");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, Topic, Results);

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public async Task ProcessRunsAProgramOnEachFileAndProducesItsOutputAsResults()
        {
            string script = _temp.WriteFile("measure.py", Encoding.UTF8.GetBytes(
                "import json, sys\nif sys.argv[2].endswith('.bad'):\n    sys.stderr.write('cannot read ' + sys.argv[2])\n    sys.exit(3)\nprint(json.dumps({'file': sys.argv[2], 'bytes': len(open(sys.argv[1], 'rb').read())}))\n"));
            await Send(("run 1/a;b.csv", TestData.Bytes(3000, 1)), ("broken.bad", TestData.Bytes(10, 2)));

            using CliProcess process = await CliProcess.RunAsync(Timeout, "process", Topic, "--bootstrap-servers", _broker.Broker.BootstrapServers,
                "--result-topic", Results, "--state-directory", _temp.Combine("state"), "--count", "2", "--idle-timeout", "30",
                "--", "python3", script, "{path}", "{relativePath}");

            Assert.True(process.ExitCode == 1, process.Stderr); // one file failed
            Assert.Contains("openmsistream: results: at-least-once (the embedded broker accepts Kafka transactions but does not implement them", process.Stderr);
            Assert.Contains("processed run 1/a;b.csv (", process.Stdout);
            Assert.Contains(", 1 results to 'cli-lab-results'", process.Stdout);
            Assert.Contains("failed broken.bad (10 B) attempt 1", process.Stdout);
            Assert.Contains("openmsistream: error ProcessingFailed: 'python3' exited with code 3 for 'broken.bad': cannot read broken.bad", process.Stderr);
            ConsumeResult<byte[], byte[]> result = Assert.Single(_broker.ReadAllRaw(Results, expected: 1));
            Assert.Equal("run 1_a;b.csv_chunk_processing_result", Encoding.UTF8.GetString(result.Message.Key));
            JsonElement json = JsonDocument.Parse(result.Message.Value).RootElement;
            Assert.Equal(3000, json.GetProperty("bytes").GetInt32());
        }

        [Fact]
        public async Task S3TransferCopiesEachFileToTheBucket()
        {
            using var s3 = new S3Server("cli-bucket");
            string config = s3.WriteConfig(_temp.Combine("s3.config"), _broker.Broker.BootstrapServers);
            byte[] content = TestData.Bytes(40_000, 3);
            await Send(("scans/ü 1.raw", content));

            using CliProcess transfer = await CliProcess.RunAsync(Timeout, "s3-transfer", Topic, "cli-bucket", "--config", config,
                "--state-directory", _temp.Combine("s3state"), "--count", "1", "--idle-timeout", "30");

            Assert.True(transfer.ExitCode == 0, transfer.Stderr);
            Assert.Equal($"uploaded scans/ü 1.raw (39.1 KB) to s3://cli-bucket/{Topic}/scans/ü 1.raw\n", transfer.Stdout);
            Assert.Equal(content, s3.StoredObject("cli-bucket", $"{Topic}/scans/ü 1.raw"));
        }

        private async Task Send(params (string Name, byte[] Content)[] files)
        {
            string source = _temp.Combine("source");
            foreach ((string name, byte[] content) in files)
            {
                _temp.WriteFile(Path.Combine("source", name), content);
            }
            using var sender = new FileSender(_broker.Settings, new SendOptions(Topic) { ChunkSize = 4096 });
            sender.Connect(default);
            await Task.WhenAll(files.Select(f => sender.SendAsync(FileToSend.Create(Path.Combine(source, f.Name), source), null, default)));
        }
    }
}
