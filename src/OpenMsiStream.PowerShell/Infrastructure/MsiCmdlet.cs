using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// What every cmdlet of the module shares: a cancellation token that Ctrl+C (StopProcessing)
    /// cancels and that is passed into all network and file work, and error records built from Core's
    /// stable error ids.
    /// </summary>
    public abstract class MsiCmdlet : PSCmdlet, IDisposable
    {
        /// <summary>Results waiting for the pipeline; a slow pipeline holds the worker back at this many.</summary>
        private const int WorkerQueueCapacity = 64;

        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
        protected CancellationToken StopToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>A path as PowerShell means it: relative to the current location, not the process directory.</summary>
        protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

        protected bool IsBound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

        /// <summary>-Filter as a regular expression; an invalid one is a terminating InvalidArgument error.</summary>
        protected System.Text.RegularExpressions.Regex? FilterRegex(string? pattern)
        {
            try
            {
                return Download.PathFilter.Parse(pattern, "-Filter");
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error, pattern);
                throw; // not reached
            }
        }

        protected void WriteError(OpenMsiStreamException error, object? target = null) => WriteError(ErrorRecords.From(error, target));

        protected void ThrowTerminatingError(OpenMsiStreamException error, object? target = null) => ThrowTerminatingError(ErrorRecords.From(error, target));

        /// <summary>
        /// Runs long work (receiving, watching a directory) on a worker thread while this, the pipeline
        /// thread, writes what the worker queues. Whatever ends the pipeline — Ctrl+C, a downstream
        /// error, Select-Object -First — the worker is cancelled and has finished (committed, saved,
        /// closed) before this returns, so nothing it owns is disposed under it.
        /// </summary>
        /// <param name="work">The worker: gets the queue to write through and its cancellation token.</param>
        /// <param name="onIdle">Called on the pipeline thread between writes (for progress records).</param>
        protected T RunOnWorker<T>(Func<PipelineQueue, CancellationToken, T> work, Action onIdle)
        {
            using var run = CancellationTokenSource.CreateLinkedTokenSource(StopToken);
            using var queue = new PipelineQueue(WorkerQueueCapacity, run.Token);
            Task<T> worker = Task.Run(() =>
            {
                try
                {
                    return work(queue, run.Token);
                }
                catch (Exception unexpected) when (!(unexpected is OpenMsiStreamException) && !(unexpected is OperationCanceledException))
                {
                    // The worker's own failures only (a downstream command's errors reach this thread
                    // through WriteObject and pass unchanged): a stable id, never a bare .NET exception.
                    throw OpenMsiStreamException.From(unexpected);
                }
                finally
                {
                    queue.Complete();
                }
            });
            try
            {
                queue.WriteUntilCompleted(this, onIdle);
                return worker.GetAwaiter().GetResult();
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error);
                throw; // not reached
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            finally
            {
                run.Cancel();
                try
                {
                    worker.Wait();
                }
                catch (AggregateException)
                {
                    // Already reported above, or irrelevant once the pipeline stopped.
                }
            }
        }

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
            if (disposing)
            {
                _stopping.Dispose();
            }
        }
    }
}
