using System.IO;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.Chunks
{
    public class FileToSendTests
    {
        [Fact]
        public void TheSubdirectoryIsThePosixPathUnderTheRoot()
        {
            using var temp = new TempDirectory("send");
            string path = temp.WriteFile(Path.Combine("a b", "ü;c", "x.dat"), new byte[1]);

            FileToSend file = FileToSend.Create(path, temp.Path);

            Assert.Equal("a b/ü;c", file.Subdirectory);
            Assert.Equal("a b/ü;c/x.dat", file.RelativePath);
        }

        [Theory]
        [InlineData("back\\slash.csv", "'back\\slash.csv' is not sent: it contains a backslash, a directory separator on Windows, so no receiver would write it. Rename it.")]
        [InlineData("aux.csv", "'aux.csv' is not sent: 'aux.csv' is a reserved device name on Windows, so no receiver would write it. Rename it.")]
        [InlineData("con/run1.dat", "'con/run1.dat' is not sent: 'con' is a reserved device name on Windows, so no receiver would write it. Rename it.")]
        [InlineData("COM1.dat", "'COM1.dat' is not sent: 'COM1.dat' is a reserved device name on Windows, so no receiver would write it. Rename it.")]
        public void ANameThatEveryReceiverRefusesIsRefusedWhenSending(string relativePath, string message)
        {
            // The message is the sender's; the reason comes from the receivers' own rule, so the two agree.
            Assert.Equal(message, $"'{relativePath}' is not sent: {OpenMsiStream.Wire.SafeRelativePath.ProblemOnEveryReceiver(relativePath)}, so no receiver would write it. Rename it.");
            if (System.OperatingSystem.IsWindows())
            {
                return; // such files cannot exist on Windows: the rule above is all there is to check
            }
            using var temp = new TempDirectory("send");
            string path = temp.WriteFile(relativePath, new byte[1]);

            var error = Assert.Throws<OpenMsiStreamException>(() => FileToSend.Create(path, temp.Path));

            Assert.Equal(ErrorIds.UnsafePath, error.ErrorId);
            Assert.Equal(message, error.Message);
        }

        [Theory]
        [InlineData("auxiliary.csv")]
        [InlineData("console/com10.dat")]
        [InlineData("tab\tin name; 'q' \"d\" ü.txt")]
        public void NamesThatOnlyLookLikeDeviceNamesAreSent(string relativePath)
        {
            using var temp = new TempDirectory("send");
            string path = temp.WriteFile(relativePath, new byte[1]);

            Assert.Equal(relativePath, FileToSend.Create(path, temp.Path).RelativePath);
        }

        [Fact]
        public void WithoutARootAFileIsSentRelativeToItsOwnDirectory()
        {
            using var temp = new TempDirectory("send");
            string path = temp.WriteFile(Path.Combine("deep", "x.dat"), new byte[1]);

            Assert.Equal("", FileToSend.Create(path).Subdirectory);
            Assert.Equal("", FileToSend.Create(path, temp.Combine("deep") + Path.DirectorySeparatorChar).Subdirectory);
        }

        [Fact]
        public void TheFileSystemRootCanBeTheRootDirectory()
        {
            using var temp = new TempDirectory("send");
            string path = temp.WriteFile(Path.Combine("a", "x.dat"), new byte[1]);
            string fileSystemRoot = Path.GetPathRoot(path)!;

            FileToSend file = FileToSend.Create(path, fileSystemRoot);

            Assert.Equal(Path.GetDirectoryName(path)!.Substring(fileSystemRoot.Length).Replace(Path.DirectorySeparatorChar, '/'), file.Subdirectory);
        }

        [Fact]
        public void AFileOutsideTheRootIsRefused()
        {
            using var temp = new TempDirectory("send");
            string path = temp.WriteFile("x.dat", new byte[1]);
            string root = temp.Combine("root");
            Directory.CreateDirectory(root);

            var error = Assert.Throws<OpenMsiStreamException>(() => FileToSend.Create(path, root));

            Assert.Equal(ErrorIds.FileOutsideRootDirectory, error.ErrorId);
            Assert.Equal($"File '{path}' is not inside the root directory '{root}'.", error.Message);
        }

        [Fact]
        public void ASiblingDirectoryWithACommonPrefixIsNotInsideTheRoot()
        {
            using var temp = new TempDirectory("send");
            string path = temp.WriteFile(Path.Combine("data2", "x.dat"), new byte[1]);

            var error = Assert.Throws<OpenMsiStreamException>(() => FileToSend.Create(path, temp.Combine("data")));

            Assert.Equal(ErrorIds.FileOutsideRootDirectory, error.ErrorId);
        }

        [Fact]
        public void ADirectoryOrAMissingFileIsReported()
        {
            using var temp = new TempDirectory("send");

            Assert.Equal(ErrorIds.FileNotFound, Assert.Throws<OpenMsiStreamException>(() => FileToSend.Create(temp.Path)).ErrorId);
            Assert.Equal(ErrorIds.FileNotFound, Assert.Throws<OpenMsiStreamException>(() => FileToSend.Create(temp.Combine("nope"))).ErrorId);
        }
    }
}
