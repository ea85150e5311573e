using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.UploadDirectory;
using OpenMsiStream.Wire;
using Xunit;

namespace OpenMsiStream.Tests.UploadDirectory
{
    /// <summary>The sidecar rule of -MetadataSidecar: which files are sidecars, and what a sidecar may hold.</summary>
    public sealed class MetadataSidecarTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("sidecar");

        public void Dispose() => _temp.Dispose();

        [Theory]
        [InlineData("scan.raw.metadata.json", true)]
        [InlineData("run 1/scan 0001.tif.metadata.json", true)]
        [InlineData("x.metadata.json", true)]
        [InlineData(".metadata.json", false)]
        [InlineData("run 1/.metadata.json", false)]
        [InlineData("scan.metadata.json.bak", false)]
        [InlineData("scan.json", false)]
        [InlineData("metadata.json", false)]
        public void ASidecarIsANameEndingInDotMetadataDotJsonAfterTheNameOfItsFile(string relativePath, bool sidecar)
        {
            Assert.Equal(sidecar, MetadataSidecar.IsSidecar(relativePath));
        }

        [Fact]
        public void TheSidecarOfAFileIsBesideIt()
        {
            Assert.Equal("run 1/scan.raw.metadata.json", MetadataSidecar.SidecarOf("run 1/scan.raw"));
            Assert.Equal("run 1/scan.raw", MetadataSidecar.DataFileOf("run 1/scan.raw.metadata.json"));
        }

        [Fact]
        public void StringsNumbersAndBooleansAreTakenAsText()
        {
            FileMetadata metadata = Read("{ \"sample\": \"STO 17; µm\", \"temperature_K\": 77.50, \"count\": -3, \"calibrated\": true, \"dry\": false, \"empty\": \"\" }", bom: true);

            Assert.Equal(new Dictionary<string, string>
            {
                ["calibrated"] = "true", ["count"] = "-3", ["dry"] = "false", ["empty"] = "", ["sample"] = "STO 17; µm", ["temperature_K"] = "77.50",
            }, metadata.Values);
        }

        [Fact]
        public void AMissingSidecarOrAnEmptyObjectIsNoMetadata()
        {
            Assert.Same(FileMetadata.None, MetadataSidecar.Read(_temp.Combine("none.metadata.json"), "none.metadata.json"));
            Assert.True(Read("{}").IsEmpty);
        }

        [Theory]
        [InlineData("[1, 2]", "The metadata file 'f.metadata.json' is not a JSON object of strings: it holds a JSON array, not an object.")]
        [InlineData("{ \"nested\": { \"a\": \"b\" } }", "The metadata file 'f.metadata.json' is not a JSON object of strings: the value of 'nested' is a JSON object; metadata values are strings (or numbers, true, false).")]
        [InlineData("{ \"n\": null }", "The metadata file 'f.metadata.json' is not a JSON object of strings: the value of 'n' is a JSON null; metadata values are strings (or numbers, true, false).")]
        [InlineData("{ \"\": \"x\" }", "The metadata file 'f.metadata.json': a metadata key is empty.")]
        public void WhatIsNotAnObjectOfTextIsRefusedWithTheReason(string json, string message)
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => Read(json));

            Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
            Assert.Equal(message, error.Message);
        }

        [Fact]
        public void BrokenJsonAndOversizedMetadataAreRefused()
        {
            Assert.StartsWith("The metadata file 'f.metadata.json' is not a JSON object of strings: it is not valid JSON (", Assert.Throws<OpenMsiStreamException>(() => Read("{ \"a\": ")).Message);
            Assert.StartsWith("The metadata file 'f.metadata.json': metadata takes ", Assert.Throws<OpenMsiStreamException>(() => Read("{ \"a\": \"" + new string('x', 1100) + "\" }")).Message);
            Assert.Equal("The metadata file 'f.metadata.json' is not a JSON object of strings: it has 70000 bytes; a file's metadata takes at most 1024 bytes as JSON.",
                Assert.Throws<OpenMsiStreamException>(() => Read(new string(' ', 70_000))).Message);
        }

        private FileMetadata Read(string json, bool bom = false)
        {
            string path = _temp.Combine("f.metadata.json");
            File.WriteAllText(path, json, new UTF8Encoding(bom));
            return MetadataSidecar.Read(path, "f.metadata.json");
        }
    }
}
