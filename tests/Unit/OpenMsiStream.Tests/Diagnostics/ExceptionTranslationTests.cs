using System;
using System.IO;
using OpenMsiStream.Diagnostics;
using Xunit;

namespace OpenMsiStream.Tests.Diagnostics
{
    /// <summary>What the front ends show for a failure the product did not raise itself: an id and one line.</summary>
    public sealed class ExceptionTranslationTests
    {
        [Fact]
        public void OurOwnErrorsPassUnchanged()
        {
            var ours = new OpenMsiStreamException(ErrorIds.HashMismatch, "x");
            Assert.Same(ours, OpenMsiStreamException.From(ours));
        }

        [Fact]
        public void ABadArgumentIsInvalidArgumentOnOneLine()
        {
            OpenMsiStreamException error = OpenMsiStreamException.From(new ArgumentOutOfRangeException("partitions", 0, "A topic needs 1 to 10000 partitions."));

            Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
            Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
            Assert.DoesNotContain("\n", error.Message);
            Assert.StartsWith("A topic needs 1 to 10000 partitions.", error.Message);
        }

        [Fact]
        public void AFileSystemRefusalIsFileSystemErrorWithItsReason()
        {
            OpenMsiStreamException denied = OpenMsiStreamException.From(new UnauthorizedAccessException("Access to the path '/x' is denied."));
            OpenMsiStreamException io = OpenMsiStreamException.From(new IOException("No space left on device"));

            Assert.Equal((ErrorIds.FileSystemError, "Access to the path '/x' is denied."), (denied.ErrorId, denied.Message));
            Assert.Equal((ErrorIds.FileSystemError, "No space left on device"), (io.ErrorId, io.Message));
        }

        [Fact]
        public void AnythingElseIsUnexpectedAndNamesTheExceptionType()
        {
            var bug = new InvalidOperationException("Collection was modified.");

            OpenMsiStreamException error = OpenMsiStreamException.From(bug);

            Assert.Equal(ErrorIds.Unexpected, error.ErrorId);
            Assert.Equal("Unexpected System.InvalidOperationException: Collection was modified.", error.Message);
            Assert.Same(bug, error.InnerException);
        }
    }
}
