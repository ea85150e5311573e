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

        /// <summary>
        /// Whether the pipeline is being stopped (Ctrl+C, a stopped job). PowerShell first marks the
        /// pipeline as stopping, so that this thread's next Write* throws PipelineStoppedException, and
        /// only then calls <see cref="StopProcessing"/>, on its own thread: on a busy machine this thread
        /// can see the first long before the second. Either one counts, and seeing the mark first cancels
        /// <see cref="StopToken"/> here, so the work winds down and says what it did whichever came first.
        /// </summary>
        protected bool StopRequested
        {
            get
            {
                if (!_stopping.IsCancellationRequested && Stopping)
                {
                    _stopping.Cancel();
                }
                return _stopping.IsCancellationRequested;
            }
        }

        /// <summary>A path as PowerShell means it: relative to the current location, not the process directory.</summary>
        protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

        /// <summary>The current file-system location of this PowerShell session (what relative paths are relative to).</summary>
        protected string CurrentLocation => SessionState.Path.CurrentFileSystemLocation.ProviderPath;

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
        /// Runs one read from the broker for one pipeline item (a topic piped in). An error whose id is in
        /// <paramref name="itemErrorIds"/> concerns this item only: it is written as a non-terminating error
        /// and the result is false, so the next item still runs. Any other product error stops the command;
        /// Ctrl+C stops the pipeline, also when the read returned early with only part of what it would read.
        /// </summary>
        protected bool TryReadForItem<T>(Func<T> read, object target, out T result, params string[] itemErrorIds)
        {
            try
            {
                result = read();
            }
            catch (OpenMsiStreamException error) when (Array.IndexOf(itemErrorIds, error.ErrorId) >= 0)
            {
                WriteError(error, target);
                result = default!;
                return false;
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error, target);
                throw; // not reached
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            if (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            return true;
        }

        /// <summary>
        /// Runs long work (receiving, watching a directory) on a worker thread while this, the pipeline
        /// thread, writes what the worker queues. Whatever ends the pipeline — Ctrl+C, a downstream
        /// error, Select-Object -First — the worker is cancelled and has finished (committed, saved,
        /// closed) before this returns, so nothing it owns is disposed under it.
        /// </summary>
        /// <param name="work">The worker: gets the queue to write through and its cancellation token.</param>
        /// <param name="onIdle">Called on the pipeline thread between writes (for progress records).</param>
        /// <param name="stopSummary">What the user reads after Ctrl+C, from the worker's result.</param>
        protected T RunOnWorker<T>(Func<PipelineQueue, CancellationToken, T> work, Action onIdle, Func<T, string>? stopSummary = null)
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
            bool summarized = false;
            try
            {
                queue.WriteUntilCompleted(this, onIdle);
                T result = worker.GetAwaiter().GetResult();
                if (StopRequested)
                {
                    // Ctrl+C reached the worker first: it wound down and returned what it achieved.
                    summarized = true;
                    WriteStopWarning(stopSummary != null ? stopSummary(result) : "Stopped.");
                    throw new PipelineStoppedException();
                }
                return result;
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error);
                throw; // not reached
            }
            catch (Exception stopped) when (!summarized && (stopped is PipelineStoppedException || stopped is OperationCanceledException) && StopRequested)
            {
                // Ctrl+C: the worker winds down (commits, saves) and says what it achieved, then the pipeline stops.
                run.Cancel();
                string summary = "Stopped.";
                try
                {
                    worker.Wait();
                    if (stopSummary != null)
                    {
                        summary = stopSummary(worker.Result);
                    }
                }
                catch (AggregateException)
                {
                    // The worker was cancelled before it had a result: "Stopped." is all there is to say.
                }
                WriteStopWarning(summary);
                throw new PipelineStoppedException();
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

        /// <summary>
        /// A warning written while the pipeline stops (Ctrl+C): the warning stream still reaches the user
        /// then, unless the pipeline is already gone, in which case it goes to the host directly.
        /// </summary>
        protected void WriteStopWarning(string text)
        {
            try
            {
                WriteWarning(text);
            }
            catch (Exception e) when (e is PipelineStoppedException || e is InvalidOperationException || e is NotImplementedException)
            {
                try
                {
                    Host?.UI?.WriteWarningLine(text);
                }
                catch (Exception hostError) when (hostError is InvalidOperationException || hostError is NotImplementedException || hostError is PipelineStoppedException)
                {
                    // No host to tell (a job that is being removed): nothing more can be done.
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
