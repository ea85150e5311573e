using System;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Processing;

namespace OpenMsiStream.Cli.Infrastructure
{
    /// <summary>
    /// A stream processor's reports as console lines: one stdout line per file through the given
    /// formatter, problems on stderr. Safe from any thread (CliConsole serializes the writes).
    /// </summary>
    internal sealed class ProcessingConsoleObserver : IProcessingObserver
    {
        private readonly Func<ProcessedFile, string> _describe;
        private readonly bool _verbose;

        public ProcessingConsoleObserver(Func<ProcessedFile, string> describe, bool verbose)
        {
            _describe = describe;
            _verbose = verbose;
        }

        public int Failures { get; private set; }

        public void FileProcessed(ProcessedFile result)
        {
            CliConsole.Line(_describe(result));
            if (result.Status == ProcessedStatus.Failed)
            {
                Failures++;
                CliConsole.ErrorLine($"error {result.ErrorId}: {CliConsole.OneLine(result.ErrorMessage ?? "failed")}");
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

        public void Progress(ProcessingProgress progress)
        {
        }
    }
}
