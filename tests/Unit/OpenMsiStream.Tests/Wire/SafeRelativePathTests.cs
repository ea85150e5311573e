using OpenMsiStream.Diagnostics;
using OpenMsiStream.Wire;
using Xunit;

namespace OpenMsiStream.Tests.Wire
{
    public class SafeRelativePathTests
    {
        [Theory]
        [InlineData("", "a.dat", "", "a.dat")]
        [InlineData("sub/dir", "a.dat", "", "sub/dir/a.dat")]
        [InlineData("a//b/./c", "x", "", "a/b/c/x")]
        [InlineData("tab\there", "quote'\"; semi.csv", "", "tab\there/quote'\"; semi.csv")]
        [InlineData("Proben/ü", "Messung 1.csv", "", "Proben/ü/Messung 1.csv")]
        [InlineData("", "sample.dat", "_v2", "sample_v2.dat")]
        [InlineData("", "archive.tar.gz", "_x", "archive.tar_x.gz")]
        [InlineData("", ".hidden", "_x", ".hidden_x")]
        [InlineData("", "12:30 run.csv", "", "12:30 run.csv")]
        public void OrdinaryNamesAreKept(string subdirectory, string filename, string append, string expected)
        {
            Assert.Equal(expected, SafeRelativePath.Resolve(subdirectory, filename, append));
        }

        [Theory]
        [InlineData("..", "x", "it contains '..'")]
        [InlineData("a/../../etc", "x", "it contains '..'")]
        [InlineData("", "..", "the file name is empty or a directory reference")]
        [InlineData("/etc", "passwd", "it is an absolute path")]
        [InlineData("", "a/b", "the file name contains '/'")]
        [InlineData("", "x", "the file name contains '/'", "/../../y")]
        [InlineData("C:", "x", "it starts with a drive letter")]
        [InlineData("", "c:evil", "it starts with a drive letter")]
        [InlineData("..\\..", "x", "it contains a backslash, a directory separator on Windows")]
        [InlineData("", "CON", "'CON' is a reserved device name on Windows")]
        [InlineData("nul.txt", "x", "'nul.txt' is a reserved device name on Windows")]
        [InlineData("", "com1 .log", "'com1 .log' is a reserved device name on Windows")]
        [InlineData("", "a\0b", "it contains a NUL character")]
        [InlineData(".openmsistream/staging", "x", "'.openmsistream' is reserved for OpenMsiStream's own files")]
        public void HostilePathsAreRefusedWithTheReason(string subdirectory, string filename, string reason, string append = "")
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => SafeRelativePath.Resolve(subdirectory, filename, append));

            Assert.Equal(ErrorIds.UnsafePath, error.ErrorId);
            Assert.EndsWith($": {reason}. Nothing was written.", error.Message);
        }

        [Fact]
        public void CombineNeverLeavesTheOutputDirectory()
        {
            string inside = SafeRelativePath.Combine("/data/out", "a/b.dat");

            Assert.Equal("/data/out/a/b.dat", inside.Replace('\\', '/').Substring(inside.IndexOf("/data", System.StringComparison.Ordinal)));
            Assert.Throws<OpenMsiStreamException>(() => SafeRelativePath.Combine("/data/out", "../x"));
        }
    }
}
