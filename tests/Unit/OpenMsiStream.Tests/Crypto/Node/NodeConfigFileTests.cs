using System;
using System.IO;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Crypto.Data;
using Xunit;

namespace OpenMsiStream.Tests.Crypto.Node
{
    /// <summary>The .config reader/writer: ConfigParser's reading rules, and edits that keep everything else.</summary>
    public class NodeConfigFileTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("nodeconfig");

        public void Dispose() => _temp.Dispose();

        private const string Sample =
            "; written by hand\n" +
            "[DEFAULT]\n" +
            "node_id : n1\n" +
            "shared = from-default\n" +
            "\n" +
            "[n1]\n" +
            "# a comment\n" +
            "Mixed_Case : kept\n" +
            "multi : first\n" +
            "  second\n" +
            "base64#q83vASM= : base64#AAE=\n" +
            "path : C:\\data\\x.crypto\n" +
            "\n" +
            "[n1-crypto]\n" +
            "maxage : 10\n" +
            "\n";

        [Fact]
        public void ReadsValuesTheWayConfigParserDoes()
        {
            NodeConfigFile config = NodeConfigFile.Parse(Sample, "x.config");

            Assert.Equal("n1", config.Get("DEFAULT", "node_id"));
            Assert.Equal("from-default", config.GetWithDefaults("n1", "shared"));
            Assert.Null(config.Get("n1", "shared"));
            Assert.Equal("kept", config.Get("n1", "Mixed_Case"));
            Assert.Null(config.Get("n1", "mixed_case"));
            Assert.Equal("first\nsecond", config.Get("n1", "multi"));
            Assert.Equal("base64#AAE=", config.Get("n1", "base64#q83vASM="));
            Assert.Equal("C:\\data\\x.crypto", config.Get("n1", "path"));
            Assert.Equal(4, config.Entries("n1").Count);
            Assert.Empty(config.Entries("absent"));
        }

        [Fact]
        public void SettingAValueRewritesOnlyThatLine()
        {
            NodeConfigFile config = NodeConfigFile.Parse(Sample, "x.config");

            config.Set("n1-crypto", "maxage", "20");

            Assert.Equal(Sample.Replace("maxage : 10", "maxage : 20"), config.ToText());
        }

        [Fact]
        public void ANewValueGoesAfterTheSectionsLastEntryAndMultiLineValuesAreReplacedWhole()
        {
            NodeConfigFile config = NodeConfigFile.Parse(Sample, "x.config");

            config.Set("n1-crypto", "oldkeys", "base64#AA==");
            config.Set("n1", "multi", "one");

            string expected = Sample.Replace("maxage : 10\n", "maxage : 10\noldkeys : base64#AA==\n").Replace("multi : first\n  second\n", "multi : one\n");
            Assert.Equal(expected, config.ToText());
            Assert.Equal("base64#AA==", NodeConfigFile.Parse(config.ToText(), "x.config").Get("n1-crypto", "oldkeys"));
        }

        [Fact]
        public void RemovingAndAddingSections()
        {
            NodeConfigFile config = NodeConfigFile.Parse(Sample, "x.config");

            config.Set("n1", "path", null);
            config.Set("n1-new", "k", "v");

            string expected = Sample.Replace("path : C:\\data\\x.crypto\n", "") + "[n1-new]\nk : v\n\n";
            Assert.Equal(expected, config.ToText());
        }

        [Fact]
        public void WindowsLineEndingsArePreserved()
        {
            NodeConfigFile config = NodeConfigFile.Parse(Sample.Replace("\n", "\r\n"), "x.config");
            config.Set("n1-crypto", "maxage", "20");
            Assert.Equal(Sample.Replace("maxage : 10", "maxage : 20").Replace("\n", "\r\n"), config.ToText());
        }

        [Theory]
        [InlineData("[a]\n[a]\n", 2)]
        [InlineData("[a]\nk : 1\nk : 2\n", 3)]
        [InlineData("k : 1\n[a]\n", 1)]
        [InlineData("[a]\nno delimiter here\n", 2)]
        public void TextConfigParserRefusesIsInvalid(string text, int line)
        {
            var ex = Assert.Throws<OpenMsiStreamException>(() => NodeConfigFile.Parse(text, "bad.config"));
            Assert.Equal(ErrorIds.CryptoNodeInvalid, ex.ErrorId);
            Assert.Contains("bad.config", ex.Message);
            Assert.Contains($"line {line}", ex.Message);
        }

        [Fact]
        public void SavingIsAtomicAndKeepsTheFilesMode()
        {
            string path = _temp.WriteFile("n1.config", System.Text.Encoding.UTF8.GetBytes(Sample));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            }
            NodeConfigFile config = NodeConfigFile.Load(path);
            config.Set("n1-crypto", "maxage", "30");
            config.Save();

            Assert.Equal(Sample.Replace("maxage : 10", "maxage : 30"), File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(_temp.Path));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
            }
        }

        [Fact]
        public void TheGoldenConfigRoundTripsUnchanged()
        {
            string path = CryptoVectors.PathOf("nodes/after_run/kcv_producer/kcv_producer.config");
            NodeConfigFile config = NodeConfigFile.Load(path);
            Assert.Equal(File.ReadAllText(path), config.ToText());
            Assert.Equal("", config.Get("kcv_producer-kafka", "bootstrap_servers"));
            Assert.Equal("20", config.Get("kcv_producer", "log_level"));
        }

        [Fact]
        public void ValuesThatCannotBeWrittenAreRefused()
        {
            NodeConfigFile config = NodeConfigFile.Parse(Sample, "x.config");
            Assert.Throws<ArgumentException>(() => config.Set("n1", "a:b", "v"));
            Assert.Throws<ArgumentException>(() => config.Set("n1", "k", "two\nlines"));
        }
    }
}
