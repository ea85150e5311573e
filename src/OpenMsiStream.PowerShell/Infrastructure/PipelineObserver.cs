using System;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// The module's adapter of the engines' one observer contract: called on the engine's threads, it
    /// queues everything for the pipeline thread (the only one that may write) and hands the running
    /// totals to the progress bar. What a file becomes on the pipeline is the cmdlet's.
    /// </summary>
    internal sealed class PipelineObserver<TFile, TProgress> : IRunObserver<TFile, TProgress> where TProgress : class
    {
        private readonly PipelineQueue _queue;
        private readonly Action<TFile> _file;
        private readonly ProgressDisplay<TProgress> _progress;

        public PipelineObserver(PipelineQueue queue, ProgressDisplay<TProgress> progress, Action<TFile> file)
        {
            _queue = queue;
            _file = file;
            _progress = progress;
        }

        public void File(TFile file) => _file(file);

        public void Error(OpenMsiStreamException error) => _queue.Error(error);

        public void Warning(string message) => _queue.Warning(message);

        public void Verbose(string message) => _queue.Verbose(message);

        public void Progress(TProgress progress) => _progress.Report(progress);
    }
}
