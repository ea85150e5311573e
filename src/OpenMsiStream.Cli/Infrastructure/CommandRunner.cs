using System;
using System.CommandLine;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Cli.Infrastructure
{
    /// <summary>Runs a command body on a worker thread and turns its failures into one line and an exit code.</summary>
    internal static class CommandRunner
    {
        public static Option<bool> Verbose() => new Option<bool>("--verbose") { Description = "print the Kafka client's own messages to stderr" };

        public static void SetAction(Command command, Func<ParseResult, CancellationToken, int> body) =>
            command.SetAction((parse, cancellationToken) => Task.Run(() => Run(parse, cancellationToken, body)));

        private static int Run(ParseResult parse, CancellationToken cancellationToken, Func<ParseResult, CancellationToken, int> body)
        {
            try
            {
                return body(parse, cancellationToken);
            }
            catch (OpenMsiStreamException error)
            {
                CliConsole.Error(error);
                return ExitCodes.Of(error);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                CliConsole.ErrorLine("stopped.");
                return ExitCodes.Success;
            }
            catch (Exception unexpected) when (!(unexpected is OperationCanceledException))
            {
                // One line, never a stack trace; the id says whether it was the input or a bug.
                OpenMsiStreamException error = OpenMsiStreamException.From(unexpected);
                CliConsole.Error(error);
                return ExitCodes.Of(error);
            }
        }
    }
}
