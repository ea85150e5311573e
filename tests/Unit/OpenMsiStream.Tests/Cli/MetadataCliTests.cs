using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using OpenMsiStream.Crypto.Provisioning;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Crypto.Live;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Cli
{
    /// <summary>Per-file metadata through the `openmsistream` commands: --metadata, --metadata-sidecar, and what receivers and programs get.</summary>
    public sealed class MetadataCliTests : IDisposable
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
        private readonly TempDirectory _temp = new TempDirectory("metadata-cli");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, "samples");

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        private string Servers => _broker.Broker.BootstrapServers;

        [Fact]
        public async Task UploadFileMetadataReachesTheReceiverAndTheProgramsOfAProcessor()
        {
            string scan = _temp.WriteFile(Path.Combine("src", "XRD 17.raw"), TestData.Bytes(40_000, seed: 1));
            string notes = _temp.WriteFile(Path.Combine("src", "notes.csv"), TestData.Bytes(100, seed: 2));

            using (CliProcess upload = await CliProcess.RunAsync(Timeout, "upload-file", scan, notes, "--topic", "samples", "--bootstrap-servers", Servers, "--chunk-size", "16384",
                "--metadata", "sample=STO on Si; 測定 #4", "--metadata", "formula=a=b+c", "--metadata", "empty=", "--metadata", "sample=STO-17"))
            {
                Assert.True(upload.ExitCode == 0, upload.Stderr);
            }
            const string json = "{\"empty\":\"\",\"formula\":\"a=b\\u002Bc\",\"sample\":\"STO-17\"}";

            using CliProcess download = await CliProcess.RunAsync(Timeout, "download-directory", _temp.Combine("out"), "--topic", "samples", "--bootstrap-servers", Servers, "--count", "2", "--idle-timeout", "30");
            Assert.True(download.ExitCode == 0, download.Stderr);
            Assert.Contains($"received XRD 17.raw (39.1 KB, 3 chunks) sha512 {TestData.Sha512Hex(scan)} metadata {json}\n", download.Stdout);
            Assert.Contains($"received notes.csv (100 B, 1 chunks) sha512 {TestData.Sha512Hex(notes)} metadata {json}\n", download.Stdout);

            // A program gets the metadata as JSON in OPENMSISTREAM_METADATA, never on its command line.
            string seen = Directory.CreateDirectory(_temp.Combine("seen")).FullName;
            using CliProcess process = await CliProcess.RunAsync(Timeout, "process", "samples", "--bootstrap-servers", Servers, "--count", "2", "--idle-timeout", "30",
                "--", "/bin/sh", "-c", "printf %s \"$OPENMSISTREAM_METADATA\" > \"$0/$OPENMSISTREAM_NAME.json\"", seen);
            Assert.True(process.ExitCode == 0, process.Stderr);
            Assert.Equal(json, File.ReadAllText(Path.Combine(seen, "XRD 17.raw.json")));
            Assert.Equal(json, File.ReadAllText(Path.Combine(seen, "notes.csv.json")));
        }

        [Theory]
        [InlineData("novalue", "openmsistream: error InvalidArgument: --metadata takes key=value (got 'novalue').")]
        [InlineData("=value", "openmsistream: error InvalidArgument: --metadata takes key=value (got '=value').")]
        public async Task MetadataThatIsNotKeyEqualsValueIsAUsageError(string metadata, string error)
        {
            string file = _temp.WriteFile("a.csv", new byte[10]);

            using CliProcess upload = await CliProcess.RunAsync(Timeout, "upload-file", file, "--topic", "samples", "--bootstrap-servers", Servers, "--metadata", metadata);

            Assert.Equal(2, upload.ExitCode);
            Assert.Equal(error + "\n", upload.Stderr);
            Assert.Empty(_broker.ReadAllRaw("samples", expected: 0));
        }

        [Fact]
        public async Task MetadataOverOneKilobyteIsRefusedBeforeAnythingIsSent()
        {
            string file = _temp.WriteFile("a.csv", new byte[10]);

            using CliProcess upload = await CliProcess.RunAsync(Timeout, "upload-file", file, "--topic", "samples", "--bootstrap-servers", Servers, "--metadata", "notes=" + new string('x', 1100));

            Assert.Equal(2, upload.ExitCode);
            Assert.StartsWith("openmsistream: error InvalidArgument: --metadata: metadata takes 1112 bytes as JSON; at most 1024 travel with a file (it rides on every chunk).", upload.Stderr);
            Assert.Empty(_broker.ReadAllRaw("samples", expected: 0));
        }

        [Fact]
        public async Task AWatchedDirectoryReadsSidecarsAsMetadataAndNeverSendsThem()
        {
            string watched = Directory.CreateDirectory(_temp.Combine("watched")).FullName;
            File.WriteAllText(Path.Combine(watched, "a.csv"), "x,y\n1,2\n");
            File.WriteAllText(Path.Combine(watched, "a.csv.metadata.json"), "{ \"sample\": \"S1\", \"n\": 5, \"ok\": true }", new UTF8Encoding(true)); // with a byte-order mark, as Windows PowerShell writes
            File.WriteAllText(Path.Combine(watched, "b.csv"), "x,y\n3,4\n");
            File.WriteAllText(Path.Combine(watched, "c.csv"), "x,y\n5,6\n");
            File.WriteAllText(Path.Combine(watched, "c.csv.metadata.json"), "[1, 2]");
            File.WriteAllText(Path.Combine(watched, "orphan.metadata.json"), "{\"sample\": \"nobody's\"}");

            using CliProcess uploader = CliProcess.Start("upload-directory", watched, "--topic", "samples", "--bootstrap-servers", Servers, "--metadata-sidecar", "--upload-existing",
                "--settle-time", "2", "--state-directory", _temp.Combine("state"));
            await uploader.WaitUntilAsync(() => uploader.Stdout.Contains("sent a.csv ") && uploader.Stdout.Contains("sent b.csv ")
                && uploader.Stderr.Contains("error InvalidArgument: The metadata file 'c.csv.metadata.json' is not a JSON object of strings: it holds a JSON array, not an object. 'c.csv' is tried again in 10 s."),
                Timeout, "a.csv and b.csv to be sent and c.csv to fail");

            // Correcting the sidecar sends its file at once (not after the retry pause).
            File.WriteAllText(Path.Combine(watched, "c.csv.metadata.json"), "{\"sample\": \"S3\"}");
            // A sidecar written right after its data file, within the settle time, still goes with it.
            File.WriteAllText(Path.Combine(watched, "e.csv"), "x,y\n9,9\n");
            File.WriteAllText(Path.Combine(watched, "e.csv.metadata.json"), "{\"sample\": \"S5\"}");
            await uploader.WaitUntilAsync(() => uploader.Stdout.Contains("sent c.csv ") && uploader.Stdout.Contains("sent e.csv "), Timeout, "c.csv and e.csv to be sent");
            // A sidecar written after its file was sent is reported; the version sent keeps the metadata of its time.
            File.WriteAllText(Path.Combine(watched, "d.csv"), "x,y\n7,8\n");
            await uploader.WaitUntilAsync(() => uploader.Stdout.Contains("sent d.csv "), Timeout, "d.csv to be sent");
            File.WriteAllText(Path.Combine(watched, "d.csv.metadata.json"), "{\"sample\": \"S4\"}");
            await uploader.WaitUntilAsync(() => uploader.Stderr.Contains("warning: The metadata file 'd.csv.metadata.json' was written after 'd.csv' was sent, which went with the metadata it had then; "
                + "the new metadata goes with the next version of 'd.csv' (change or touch 'd.csv' to send it again now)."), Timeout, "the late sidecar to be reported");
            uploader.Terminate();
            await uploader.WaitAsync(Timeout);
            Assert.Equal(0, uploader.ExitCode);
            Assert.DoesNotContain(".metadata.json ", uploader.Stdout);

            using CliProcess download = await CliProcess.RunAsync(Timeout, "download-directory", _temp.Combine("out"), "--topic", "samples", "--bootstrap-servers", Servers, "--count", "5", "--idle-timeout", "20");
            Assert.True(download.ExitCode == 0, download.Stderr);
            string[] received = InspectionCliTests.Lines(download.Stdout).Where(l => l.StartsWith("received ", StringComparison.Ordinal)).ToArray();
            string MetadataOf(string name) => received.Single(l => l.StartsWith($"received {name} ", StringComparison.Ordinal)).Split(" metadata ").ElementAtOrDefault(1) ?? "none";
            Assert.Equal("{\"n\":\"5\",\"ok\":\"true\",\"sample\":\"S1\"}", MetadataOf("a.csv"));
            Assert.Equal("none", MetadataOf("b.csv"));
            Assert.Equal("{\"sample\":\"S3\"}", MetadataOf("c.csv"));
            Assert.Equal("none", MetadataOf("d.csv"));
            Assert.Equal("{\"sample\":\"S5\"}", MetadataOf("e.csv"));
            Assert.Equal(new[] { "a.csv", "b.csv", "c.csv", "d.csv", "e.csv" }, TestData.RelativeFiles(_temp.Combine("out")));
        }

        [Fact]
        public async Task WithKafkaCryptoMetadataAndSidecarsAreRefusedBeforeAnythingIsSent()
        {
            CryptoTestNodes.Provision(_temp.Path, "lab_producer", NodeRole.Producer, "samples");
            string producer = CryptoTestNodes.WriteConfig(_temp.Path, "producer", Servers, "lab_producer");
            string file = _temp.WriteFile(Path.Combine("watched", "secret.csv"), TestData.Bytes(100, seed: 3));
            const string why = "and KafkaCrypto does not encrypt Kafka headers, so the metadata would travel in clear beside the encrypted file. Put it in a file of its own (which is encrypted) instead.";

            using (CliProcess upload = await CliProcess.RunAsync(Timeout, "upload-file", file, "--topic", "samples", "--config", producer, "--metadata", "sample=A7"))
            {
                Assert.Equal(2, upload.ExitCode);
                Assert.Equal($"openmsistream: error MetadataUnsupported: --metadata cannot be used here: files would carry metadata, {why}\n", upload.Stderr);
                Assert.Equal(string.Empty, upload.Stdout);
            }
            using (CliProcess watch = await CliProcess.RunAsync(Timeout, "upload-directory", _temp.Combine("watched"), "--topic", "samples", "--config", producer, "--metadata-sidecar",
                "--upload-existing", "--state-directory", _temp.Combine("state")))
            {
                Assert.Equal(2, watch.ExitCode);
                Assert.Equal($"openmsistream: error MetadataUnsupported: Metadata sidecars (-MetadataSidecar, --metadata-sidecar) cannot be used here: files would carry metadata, {why}\n", watch.Stderr);
            }
            Assert.Empty(_broker.ReadAllRaw("samples", expected: 0));
        }
    }
}
