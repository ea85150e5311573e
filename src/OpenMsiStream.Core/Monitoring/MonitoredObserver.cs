using System;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Monitoring
{
    /// <summary>
    /// The program monitor's decorator of the one observer contract: counts and logs what an engine
    /// reports, then passes it on. Errors, warnings and verbose lines are handled alike for every engine;
    /// what a file and a progress report add to the heartbeat counters and the metrics is the engine's
    /// own accounting (<see cref="MonitoredObservers"/>).
    /// </summary>
    public sealed class MonitoredObserver<TFile, TProgress> : IRunObserver<TFile, TProgress>
    {
        private readonly ProgramMonitor _monitor;
        private readonly IRunObserver<TFile, TProgress> _inner;
        private readonly Action<TFile> _countFile;
        private readonly Action<TProgress> _countProgress;
        private readonly Action _countError;

        internal MonitoredObserver(ProgramMonitor monitor, IRunObserver<TFile, TProgress> inner, Action<TFile> countFile, Action<TProgress> countProgress, Action? countError = null)
        {
            _monitor = monitor;
            _inner = inner;
            _countFile = countFile;
            _countProgress = countProgress;
            _countError = countError ?? (() => { });
        }

        public void File(TFile file)
        {
            _countFile(file);
            _inner.File(file);
        }

        public void Error(OpenMsiStreamException error)
        {
            _countError();
            _monitor.Error(error.Message, error.ErrorId);
            _inner.Error(error);
        }

        public void Warning(string message)
        {
            _monitor.Log.Warning(message);
            _inner.Warning(message);
        }

        public void Verbose(string message)
        {
            _monitor.Log.Debug(message);
            _inner.Verbose(message);
        }

        public void Progress(TProgress progress)
        {
            _countProgress(progress);
            _inner.Progress(progress);
        }
    }
}
