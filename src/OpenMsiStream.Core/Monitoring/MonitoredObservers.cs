using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Processing;
using OpenMsiStream.Upload;
using OpenMsiStream.UploadDirectory;

namespace OpenMsiStream.Monitoring
{
    /// <summary>
    /// Each engine's accounting under a program monitor, so every front end (cmdlets, CLI, service host)
    /// gets the same heartbeats, log lines and metrics by wrapping its observer: the one place where the
    /// heartbeat counters and the <see cref="ProgramMetrics"/> instruments are fed. Without a monitor
    /// (null), the observer is returned as it is.
    /// </summary>
    public static class MonitoredObservers
    {
        public static IRunObserver<SentFile, UploadProgress> Watch(this ProgramMonitor? monitor, IRunObserver<SentFile, UploadProgress> inner)
        {
            if (monitor == null)
            {
                return inner;
            }
            monitor.Metrics.Uploading();
            return new MonitoredObserver<SentFile, UploadProgress>(monitor, inner,
                file =>
                {
                    // Messages and data bytes acknowledged for this file in this run (chunks sent before a restart are not counted again).
                    long bytes = file.ChunkCount == 0 ? 0 : file.Length * file.ChunksSent / file.ChunkCount;
                    monitor.Counters.Produced(file.ChunksSent, bytes);
                    monitor.Counters.FileHandled();
                    monitor.Metrics.FileSent(file.ChunksSent, bytes);
                    monitor.Log.Information($"sent {file.RelativePath} ({file.Length} bytes, {file.ChunkCount} chunks) sha512 {file.Sha512}");
                },
                progress =>
                {
                    monitor.Metrics.FilesInProgress(progress.FilesInFlight);
                    monitor.Metrics.ProducerQueueDepth(progress.ProducerQueueDepth);
                },
                countError: monitor.Metrics.FileFailed); // every error of a directory uploader is a file not sent (this time)
        }

        public static IRunObserver<ReceivedFile, ReceiveProgress> Watch(this ProgramMonitor? monitor, IRunObserver<ReceivedFile, ReceiveProgress> inner)
        {
            if (monitor == null)
            {
                return inner;
            }
            monitor.Metrics.Receiving();
            ReceiveProgress? previous = null; // progress carries running totals of messages read; the counters want increments
            return new MonitoredObserver<ReceivedFile, ReceiveProgress>(monitor, inner,
                file =>
                {
                    monitor.Counters.Processed(file.ChunkCount, file.Length);
                    monitor.Counters.FileHandled();
                    monitor.Metrics.FileReceived();
                    monitor.Log.Information($"received {file.RelativePath} ({file.Length} bytes, {file.ChunkCount} chunks) sha512 {file.Sha512}");
                },
                progress =>
                {
                    long messages = progress.Messages - (previous?.Messages ?? 0), bytes = progress.Bytes - (previous?.Bytes ?? 0);
                    monitor.Counters.Read(messages, bytes);
                    monitor.Metrics.Read(messages, bytes);
                    previous = progress;
                    monitor.Metrics.FilesInProgress(progress.FilesInProgress);
                    monitor.Metrics.SetConsumerLag(progress.Lag);
                });
        }

        public static IRunObserver<ProcessedFile, ProcessingProgress> Watch(this ProgramMonitor? monitor, IRunObserver<ProcessedFile, ProcessingProgress> inner)
        {
            if (monitor == null)
            {
                return inner;
            }
            monitor.Metrics.Processing(producesResults: monitor.Kind == ProgramKind.Reproducer);
            var gate = new object(); // progress comes from the receiver's and the workers' threads
            int received = 0;
            return new MonitoredObserver<ProcessedFile, ProcessingProgress>(monitor, inner,
                result =>
                {
                    monitor.Counters.Read(result.File.ChunkCount, result.Length);
                    monitor.Metrics.Read(result.File.ChunkCount, result.Length);
                    monitor.Counters.FileHandled();
                    if (result.Status == ProcessedStatus.Processed)
                    {
                        monitor.Counters.Processed(result.File.ChunkCount, result.Length);
                        monitor.Counters.Produced(result.ResultsProduced, 0);
                        monitor.Metrics.FileProcessed(result.File.ChunkCount, result.Length, result.ResultsProduced);
                        monitor.Log.Information($"processed {result.RelativePath} (attempt {result.Attempt}, {result.ResultsProduced} results)");
                    }
                    else
                    {
                        monitor.Metrics.FileFailed();
                        monitor.Error($"Processing '{result.RelativePath}' failed (attempt {result.Attempt}): {result.ErrorMessage}", result.ErrorId);
                    }
                },
                progress =>
                {
                    lock (gate)
                    {
                        if (progress.Received > received)
                        {
                            monitor.Metrics.FilesReceived(progress.Received - received);
                            received = progress.Received;
                        }
                    }
                    monitor.Metrics.FilesInProgress(progress.Running + progress.Waiting);
                    monitor.Metrics.SetConsumerLag(progress.Lag);
                    if (progress.ResultDelivery != null)
                    {
                        monitor.ResultDeliveryDecided(progress.ResultDelivery);
                    }
                    if (progress.ResultQueueDepth is long queued)
                    {
                        monitor.Metrics.ResultProducerQueueDepth(queued);
                    }
                });
        }
    }
}
