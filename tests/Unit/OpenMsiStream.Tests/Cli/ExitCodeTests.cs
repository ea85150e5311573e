using System;
using System.Linq;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Diagnostics;
using Xunit;

namespace OpenMsiStream.Tests.Cli
{
    /// <summary>The exit code of a command that stops with an error follows from its id's kind: 2 for a wrong command line, 1 otherwise.</summary>
    public sealed class ExitCodeTests
    {
        /// <summary>One id of each kind (the PowerShell tests use the same ones for the error category).</summary>
        [Theory]
        [InlineData(nameof(ErrorIds.InvalidChunkSize), ErrorKind.InvalidArgument, 2)]
        [InlineData(nameof(ErrorIds.ConfigUnknownSection), ErrorKind.InvalidConfiguration, 1)]
        [InlineData(nameof(ErrorIds.FileNotFound), ErrorKind.ObjectNotFound, 1)]
        [InlineData(nameof(ErrorIds.BrokerUnreachable), ErrorKind.ConnectionError, 1)]
        [InlineData(nameof(ErrorIds.AuthenticationFailed), ErrorKind.AuthenticationError, 1)]
        [InlineData(nameof(ErrorIds.HashMismatch), ErrorKind.InvalidData, 1)]
        [InlineData(nameof(ErrorIds.FileUnreadable), ErrorKind.ReadError, 1)]
        [InlineData(nameof(ErrorIds.OutputWriteFailed), ErrorKind.WriteError, 1)]
        [InlineData(nameof(ErrorIds.ProcessingTimedOut), ErrorKind.OperationTimeout, 1)]
        [InlineData(nameof(ErrorIds.StateDirectoryInUse), ErrorKind.InvalidOperation, 1)]
        public void TheExitCodeFollowsFromTheIdsKind(string name, ErrorKind kind, int exitCode)
        {
            var id = (ErrorId)typeof(ErrorIds).GetField(name)!.GetValue(null)!;

            Assert.Equal(kind, id.Kind);
            Assert.Equal(exitCode, ExitCodes.Of(new OpenMsiStreamException(id, "x")));
        }

        [Fact]
        public void TheExamplesCoverEveryKind()
        {
            ErrorKind[] covered = typeof(ExitCodeTests).GetMethod(nameof(TheExitCodeFollowsFromTheIdsKind))!
                .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
                .Select(a => (ErrorKind)a.GetData(null!).Single()[1]).ToArray();

            Assert.Equal(Enum.GetValues(typeof(ErrorKind)).Cast<ErrorKind>().OrderBy(k => k), covered.OrderBy(k => k));
        }
    }
}
