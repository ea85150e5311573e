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
    /// <remarks>
    /// The queue is bounded, so a slow pipeline holds the worker back instead of letting results pile
    /// up in memory. Results, errors and warnings wait for room until the worker's token is cancelled,
    /// and are dropped after that (nothing reads them any more); verbose diagnostics, which come from
    /// librdkafka's own threads, are dropped when the queue is full rather than block them.
    /// </remarks>
    public sealed class PipelineQueue : IDisposable
    {
        private readonly BlockingCollection<Action<Cmdlet>> _items;
        private readonly CancellationToken _workerStopping;

        public PipelineQueue(int capacity, CancellationToken workerStopping)
        {
            _items = new BlockingCollection<Action<Cmdlet>>(capacity);
            _workerStopping = workerStopping;
        }

        public void Output(object value, Action? afterWritten = null) => Add(cmdlet =>
        {
            cmdlet.WriteObject(value);
            afterWritten?.Invoke();
        });

        public void Error(OpenMsiStreamException error, object? target = null) => Add(cmdlet => cmdlet.WriteError(ErrorRecords.From(error, target)));

        /// <summary>An error record as it is (one a user's script wrote).</summary>
        public void Error(ErrorRecord record) => Add(cmdlet => cmdlet.WriteError(record));

        public void Warning(string text) => Add(cmdlet => cmdlet.WriteWarning(PrintableText.Escape(text)));

        public void Verbose(string text)
        {
            try
            {
                _items.TryAdd(cmdlet => cmdlet.WriteVerbose(text));
            }
            catch (InvalidOperationException)
            {
                // Completed: late diagnostics are dropped.
            }
        }

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
                _items.Add(write, _workerStopping);
            }
            catch (OperationCanceledException)
            {
                // The pipeline is stopping and nobody will write this any more; the worker sees the same
                // cancellation and winds down (saving its state) instead of failing on a report.
            }
            catch (InvalidOperationException)
            {
                // Completed: the cmdlet is finishing and no longer writes.
            }
        }
    }
}
