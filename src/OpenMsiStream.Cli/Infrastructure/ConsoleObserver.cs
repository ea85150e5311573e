using System;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Cli.Infrastructure
{
    /// <summary>
    /// The CLI's adapter of the engines' one observer contract: one stdout line per file through the
    /// command's formatter, problems on stderr (with a file's own error when it failed), verbose lines
    /// only with --verbose. Safe from any thread (CliConsole serializes the writes).
    /// </summary>
    internal sealed class ConsoleObserver<TFile, TProgress> : IRunObserver<TFile, TProgress>
    {
        private readonly Func<TFile, string> _describe;
        private readonly Func<TFile, string?> _failure;
        private readonly bool _verbose;

        /// <param name="describe">The file's stdout line.</param>
        /// <param name="verbose">Whether verbose lines are written (to stderr).</param>
        /// <param name="failure">The stderr line of a file that failed (null when it did not); none by default.</param>
        public ConsoleObserver(Func<TFile, string> describe, bool verbose, Func<TFile, string?>? failure = null)
        {
            _describe = describe;
            _verbose = verbose;
            _failure = failure ?? (_ => null);
        }

        public void File(TFile file)
        {
            CliConsole.Line(_describe(file));
            if (_failure(file) is string failure)
            {
                CliConsole.ErrorLine(failure);
            }
        }

        public void Error(OpenMsiStreamException error) => CliConsole.Error(error);

        public void Warning(string message) => CliConsole.Warning(message);

        public void Verbose(string message)
        {
            if (_verbose)
            {
                CliConsole.ErrorLine(message);
            }
        }

        public void Progress(TProgress progress)
        {
        }
    }
}
