using System.IO;
using OpenMsiStream.FileSystem;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.FileSystem
{
    /// <summary>The rename that puts a verified file in place: complete or not at all, and durable.</summary>
    public sealed class AtomicFileTests
    {
        [Fact]
        public void AMoveReplacesAFileOfAnyLengthAndLeavesNoSource()
        {
            using var temp = new TempDirectory("atomic");
            string target = temp.WriteFile("target.dat", new byte[5000]);
            string source = temp.WriteFile("source.part", new byte[] { 1, 2, 3 });

            AtomicFile.MoveReplacing(source, target);

            Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(target));
            Assert.False(File.Exists(source));
        }

        [Fact]
        public void TheDirectoryOfAFileCanBeFlushedThroughTheOperatingSystemAndAMissingOneCannot()
        {
            using var temp = new TempDirectory("atomic");
            string file = temp.WriteFile("x.dat", new byte[] { 1 });

            // Only that the libc calls bind and fsync(2) succeeds: durability itself cannot be observed here.
            // On Windows there is nothing to do and it says so.
            Assert.True(DirectorySync.SyncParentOf(file));
            if (!System.OperatingSystem.IsWindows())
            {
                Assert.False(DirectorySync.SyncParentOf(Path.Combine(temp.Path, "missing", "x.dat"))); // the call is real: a missing directory fails
            }
        }
    }
}
