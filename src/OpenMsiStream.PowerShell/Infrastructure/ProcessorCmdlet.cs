using System;
using System.Management.Automation;
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
        private readonly ProgressThrottle _progressThrottle = new ProgressThrottle();
        private ProcessingProgress? _latestProgress;

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
        /// Runs a processor on a worker thread (under a program monitor when asked for), writing its
        /// results on the pipeline thread. Kafka's messages go to the Verbose stream and the log.
        /// </summary>
        protected void RunProcessor(OperationArguments arguments, KafkaSettings settings, Func<PipelineQueue, ClientDiagnostics, IProcessingObserver, System.Threading.CancellationToken, ProcessingSummary> run,
            Func<ProcessedFile, object> output)
        {
            try
            {
                RunOnWorker((queue, cancellation) =>
                {
                    var diagnostics = new ClientDiagnostics();
                    ForwardDiagnostics(diagnostics, queue);
                    return RunMonitored(arguments, settings, diagnostics, queue, monitor =>
                    {
                        IProcessingObserver observer = new QueueObserver(queue, this, output);
                        return run(queue, diagnostics, monitor?.Watch(observer) ?? observer, cancellation);
                    });
                }, WriteProcessingProgress, summary => $"Stopped: {summary.Processed} processed, {summary.Failed} failed, {summary.Skipped} skipped (handled in an earlier run). "
                    + "Files that were being handled are handled again at the next start.");
            }
            finally
            {
                if (!StopRequested)
                {
                    WriteProgress(new ProgressRecord(ProgressActivityId, Activity, "Stopped") { RecordType = ProgressRecordType.Completed });
                }
            }
        }

        private void WriteProcessingProgress()
        {
            ProcessingProgress? progress = _latestProgress;
            if (progress == null || !_progressThrottle.IsDue())
            {
                return;
            }
            WriteProgress(new ProgressRecord(ProgressActivityId, Activity,
                $"{progress.Processed} processed, {progress.Failed} failed, {progress.Skipped} skipped (handled in an earlier run); {progress.Running} running, {progress.Waiting} waiting"));
        }

        /// <summary>Runs on the processor's threads: queues everything for the pipeline thread.</summary>
        private sealed class QueueObserver : IProcessingObserver
        {
            private readonly PipelineQueue _queue;
            private readonly ProcessorCmdlet _command;
            private readonly Func<ProcessedFile, object> _output;

            public QueueObserver(PipelineQueue queue, ProcessorCmdlet command, Func<ProcessedFile, object> output)
            {
                _queue = queue;
                _command = command;
                _output = output;
            }

            public void FileProcessed(ProcessedFile result)
            {
                _queue.Output(_output(result));
                if (result.Status == ProcessedStatus.Failed)
                {
                    _queue.Error(result.Failure()!, result.RelativePath);
                }
            }

            public void Error(OpenMsiStreamException error) => _queue.Error(error);

            public void Warning(string message) => _queue.Warning(message);

            public void Verbose(string message) => _queue.Verbose(message);

            public void Progress(ProcessingProgress progress) => _command._latestProgress = progress;
        }
    }
}
