using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Processing;

namespace OpenMsiStream.Tests.Support
{
    /// <summary>Records what a stream processor reports, for assertions.</summary>
    internal sealed class ProcessingRecorder : IRunObserver<ProcessedFile, ProcessingProgress>
    {
        private readonly object _gate = new object();
        private readonly List<ProcessedFile> _results = new List<ProcessedFile>();
        private readonly List<OpenMsiStreamException> _errors = new List<OpenMsiStreamException>();
        private readonly List<string> _warnings = new List<string>();

        public IReadOnlyList<ProcessedFile> Results
        {
            get
            {
                lock (_gate)
                {
                    return _results.ToList();
                }
            }
        }

        public IReadOnlyList<OpenMsiStreamException> Errors
        {
            get
            {
                lock (_gate)
                {
                    return _errors.ToList();
                }
            }
        }

        public IReadOnlyList<string> Warnings
        {
            get
            {
                lock (_gate)
                {
                    return _warnings.ToList();
                }
            }
        }

        public ProcessedFile Single(string relativePath) => Results.Single(r => r.RelativePath == relativePath);

        public void File(ProcessedFile result)
        {
            lock (_gate)
            {
                _results.Add(result);
            }
        }

        public void Error(OpenMsiStreamException error)
        {
            lock (_gate)
            {
                _errors.Add(error);
            }
        }

        public void Warning(string message)
        {
            lock (_gate)
            {
                _warnings.Add(message);
                Log.Add("WARNING: " + message);
            }
        }

        public List<string> Log { get; } = new List<string>();

        public void Verbose(string message)
        {
            lock (_gate)
            {
                Log.Add(message);
            }
        }

        public void Progress(ProcessingProgress progress)
        {
        }
    }
}
