using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Processing;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using XrdMetadata;
using Xunit;

namespace OpenMsiStream.Tests.Processing
{
    /// <summary>The worked example in examples/XrdMetadata, on its own sample data.</summary>
    public class XrdMetadataExampleTests : IDisposable
    {
        private static readonly string SampleData = Path.Combine(RepoRoot.Path, "examples", "XrdMetadata", "sample-data");
        private readonly TempDirectory _temp = new TempDirectory("xrd");
        private readonly EmbeddedBroker _broker = new EmbeddedBroker(2, "xrd", "xrd-metadata");

        public void Dispose()
        {
            _broker.Dispose();
            _temp.Dispose();
        }

        [Fact]
        public void TheMeasurementConditionsBlockIsReadUpToTheScanPoints()
        {
            using var reader = new StreamReader(Path.Combine(SampleData, "SC001_XRD.csv"));

            IDictionary<string, object?> metadata = XrdCsvMetadata.Parse(reader, "SC001_XRD.csv");

            Assert.Equal("SC001", metadata["Sample ID"]);
            Assert.Equal("SrTiO3 film on Si - phase check", metadata["Title"]);
            Assert.Equal(new[] { "1.54060", "1.54439" }, metadata["Wavelength (Angstrom)"]);
            Assert.Equal("2Theta/Omega", metadata["Scan axis"]);
            Assert.Equal(14, metadata.Count);
            Assert.DoesNotContain("Angle", metadata.Keys);
        }

        [Fact]
        public async Task EveryXrdFileSentGetsItsMetadataOnTheResultTopic()
        {
            using (var sender = new FileSender(_broker.Settings, new SendOptions("xrd") { ChunkSize = 8192 }))
            {
                sender.Connect(default);
                await Task.WhenAll(Directory.GetFiles(SampleData).Select(path => sender.SendAsync(FileToSend.Create(path, SampleData), null, default)));
            }
            var recorder = new ProcessingRecorder();
            var options = new StreamProcessingOptions("xrd", "xrd-metadata-example") { StateDirectory = _temp.Combine("state"), ResultTopic = "xrd-metadata", Count = 3, IdleTimeout = TimeSpan.FromSeconds(30) };

            using (var processor = new StreamProcessor(_broker.Settings, options, new XrdCsvMetadataReproducer()))
            {
                processor.Run(recorder, default);
            }

            Assert.Equal("'notes_without_conditions.csv' has no [Measurement conditions] block.", recorder.Single("notes_without_conditions.csv").ErrorMessage);
            var messages = _broker.ReadAllRaw("xrd-metadata", expected: 2)
                .ToDictionary(m => Encoding.UTF8.GetString(m.Message.Key), m => JsonDocument.Parse(m.Message.Value).RootElement);
            Assert.Equal(new[] { "_SC001_XRD.csv_chunk_processing_result", "_SC002_XRD.csv_chunk_processing_result" }, messages.Keys.OrderBy(k => k, StringComparer.Ordinal));
            JsonElement sc002 = messages["_SC002_XRD.csv_chunk_processing_result"];
            Assert.Equal("SC002", sc002.GetProperty("Sample ID").GetString());
            Assert.Equal("Annealed SrTiO3 film (700 C)", sc002.GetProperty("Title").GetString());
            Assert.Equal(new[] { "0.5", "0.5", "1.0" }, sc002.GetProperty("Slits (mm)").EnumerateArray().Select(e => e.GetString()));
            Assert.Matches(new Regex(@"^\d\d/\d\d/\d{4}, \d\d:\d\d:\d\d$"), sc002.GetProperty("metadata_message_generated_at").GetString());
        }
    }
}
