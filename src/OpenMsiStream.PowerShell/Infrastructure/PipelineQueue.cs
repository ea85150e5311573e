using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// Carries output from worker threads to the pipeline thread, the only thread allowed to call
    /// WriteObject, WriteError, WriteWarning and WriteVerbose. Workers add; the cmdlet drains.
    /// </summary>
    public sealed class PipelineQueue : IDisposable
    {
        private readonly BlockingCollection<Action<Cmdlet>> _items = new BlockingCollection<Action<Cmdlet>>();

        public void Output(object value) => Add(cmdlet => cmdlet.WriteObject(value));

        public void Error(OpenMsiStreamException error, object? target = null) => Add(cmdlet => cmdlet.WriteError(ErrorRecords.From(error, target)));

        public void Warning(string text) => Add(cmdlet => cmdlet.WriteWarning(text));

        public void Verbose(string text) => Add(cmdlet => cmdlet.WriteVerbose(text));

        /// <summary>No more items will be added; <see cref="WriteUntilCompleted"/> then returns once drained.</summary>
        public void Complete() => _items.CompleteAdding();

        /// <summary>Writes what is queued right now, without waiting.</summary>
        public void WriteAvailable(Cmdlet cmdlet)
        {
            while (_items.TryTake(out Action<Cmdlet>? write))
            {
                write(cmdlet);
            }
        }

        /// <summary>
        /// Writes items as they come until <see cref="Complete"/> was called and all are written;
        /// calls <paramref name="onIdle"/> between waits (for progress records).
        /// </summary>
        public void WriteUntilCompleted(Cmdlet cmdlet, Action onIdle)
        {
            while (!_items.IsCompleted)
            {
                if (_items.TryTake(out Action<Cmdlet>? write, 100))
                {
                    write(cmdlet);
                }
                onIdle();
            }
        }

        public void Dispose() => _items.Dispose();

        private void Add(Action<Cmdlet> write)
        {
            try
            {
                _items.Add(write);
            }
            catch (InvalidOperationException)
            {
                // Completed: the cmdlet is finishing and no longer writes; late diagnostics are dropped.
            }
        }
    }
}
