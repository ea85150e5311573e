using System;
using System.Management.Automation;
using System.Threading;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Operations;
using OpenMsiStream.Processing;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// What Invoke-MsiStreamProcessor and Start-MsiS3Transfer share: the parameters of a stream
    /// processor (group, state, parallelism, end conditions), progress, and one output object per file
    /// with a non-terminating error for each file that failed.
    /// </summary>
    public abstract class ProcessorCmdlet : ConsumingCmdlet
    {
        private const int ProgressActivityId = 4;

        /// <summary>The topic to consume.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.TopicCompleter))]
        public string Topic { get; set; } = string.Empty;

        /// <summary>Consumer group; what was processed is recorded per topic and group.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? GroupId { get; set; }

        /// <summary>Where the processing record is kept (default: per-user application data, or the output directory's .openmsistream folder).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [PSDefaultValue(Help = "per-user application data, or the output directory's .openmsistream folder")]
        public string? StateDirectory { get; set; }

        /// <summary>Regular expression on the relative path (POSIX separators); other files are skipped.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Filter { get; set; }

        /// <summary>Files handled at the same time (default 2).</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = Defaults.ThrottleLimit;

        /// <summary>Stop after this many files were handled (processed or failed).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        /// <summary>Stop when nothing arrived for this long and all work is done (seconds, or a time span).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        [PositiveTimeSpan]
        public TimeSpan IdleTimeout { get; set; }

        /// <summary>Try failed files again after this long while running (they are always tried again at the next start).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        [PositiveTimeSpan]
        public TimeSpan RetryFailedAfter { get; set; }

        /// <summary>Largest file kept in memory (default 256 MB).</summary>
        [Parameter]
        [ValidateRange(1L, long.MaxValue)]
        public long MaxMemoryFileSize { get; set; } = Defaults.MaxMemoryFileSize;

        protected abstract string Activity { get; }

        /// <summary>
        /// Runs a processor through the long-running cmdlets' recipe: one output object per file, and a
        /// non-terminating error for each file that failed.
        /// </summary>
        protected void RunProcessor(OperationArguments arguments, KafkaSettings settings,
            Func<PipelineQueue, ClientDiagnostics, IRunObserver<ProcessedFile, ProcessingProgress>, CancellationToken, ProcessingSummary> run, Func<ProcessedFile, object> output)
        {
            var progress = new ProgressDisplay<ProcessingProgress>(this, ProgressActivityId, Activity, totals =>
                $"{totals.Processed} processed, {totals.Failed} failed, {totals.Skipped} skipped (handled in an earlier run); {totals.Running} running, {totals.Waiting} waiting");
            RunEngine(arguments, settings, progress, (queue, diagnostics, monitor, cancellation) =>
            {
                var observer = new PipelineObserver<ProcessedFile, ProcessingProgress>(queue, progress, result =>
                {
                    queue.Output(output(result));
                    if (result.Status == ProcessedStatus.Failed)
                    {
                        queue.Error(result.Failure()!, result.RelativePath);
                    }
                });
                return run(queue, diagnostics, monitor.Watch(observer), cancellation);
            }, summary => $"Stopped: {summary.Processed} processed, {summary.Failed} failed, {summary.Skipped} skipped (handled in an earlier run). "
                + "Files that were being handled are handled again at the next start.");
        }
    }
}
