using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Processing;
using OpenMsiStream.Upload;
using OpenMsiStream.UploadDirectory;

namespace OpenMsiStream.Monitoring
{
    /// <summary>
    /// Observers that count and log what a program reports before passing it on, so every front end
    /// (cmdlets, CLI, service host) gets the same heartbeats, log lines and metrics by wrapping its
    /// observer: the one place where the heartbeat counters and the <see cref="ProgramMetrics"/>
    /// instruments are fed.
    /// </summary>
    public static class MonitoredObservers
    {
        public static IUploadObserver Watch(this ProgramMonitor monitor, IUploadObserver inner)
        {
            monitor.Metrics.Uploading();
            return new Upload(monitor, inner);
        }

        public static IReceiveObserver Watch(this ProgramMonitor monitor, IReceiveObserver inner)
        {
            monitor.Metrics.Receiving();
            return new Receive(monitor, inner);
        }

        public static IProcessingObserver Watch(this ProgramMonitor monitor, IProcessingObserver inner)
        {
            monitor.Metrics.Processing(producesResults: monitor.Kind == ProgramKind.Reproducer);
            return new Processing(monitor, inner);
        }

        private sealed class Upload : IUploadObserver
        {
            private readonly ProgramMonitor _monitor;
            private readonly IUploadObserver _inner;

            public Upload(ProgramMonitor monitor, IUploadObserver inner)
            {
                _monitor = monitor;
                _inner = inner;
            }

            public void FileSent(SentFile file)
            {
                // Messages and data bytes acknowledged for this file in this run (chunks sent before a restart are not counted again).
                long bytes = file.ChunkCount == 0 ? 0 : file.Length * file.ChunksSent / file.ChunkCount;
                _monitor.Counters.Produced(file.ChunksSent, bytes);
                _monitor.Counters.FileHandled();
                _monitor.Metrics.FileSent(file.ChunksSent, bytes);
                _monitor.Log.Information($"sent {file.RelativePath} ({file.Length} bytes, {file.ChunkCount} chunks) sha512 {file.Sha512}");
                _inner.FileSent(file);
            }

            public void Error(OpenMsiStreamException error)
            {
                _monitor.Metrics.FileFailed(); // every error of a directory uploader is a file not sent (this time)
                _monitor.Error(error.Message, error.ErrorId);
                _inner.Error(error);
            }

            public void Warning(string message)
            {
                _monitor.Log.Warning(message);
                _inner.Warning(message);
            }

            public void Progress(UploadProgress progress)
            {
                _monitor.Metrics.FilesInProgress(progress.FilesInFlight);
                _monitor.Metrics.ProducerQueueDepth(progress.ProducerQueueDepth);
                _inner.Progress(progress);
            }
        }

        private sealed class Receive : IReceiveObserver
        {
            private readonly ProgramMonitor _monitor;
            private readonly IReceiveObserver _inner;
            private long _messages;
            private long _bytes;

            public Receive(ProgramMonitor monitor, IReceiveObserver inner)
            {
                _monitor = monitor;
                _inner = inner;
            }

            public void FileReceived(ReceivedFile file)
            {
                _monitor.Counters.Processed(file.ChunkCount, file.Length);
                _monitor.Counters.FileHandled();
                _monitor.Metrics.FileReceived();
                _monitor.Log.Information($"received {file.RelativePath} ({file.Length} bytes, {file.ChunkCount} chunks) sha512 {file.Sha512}");
                _inner.FileReceived(file);
            }

            public void Error(OpenMsiStreamException error)
            {
                _monitor.Error(error.Message, error.ErrorId);
                _inner.Error(error);
            }

            public void Warning(string message)
            {
                _monitor.Log.Warning(message);
                _inner.Warning(message);
            }

            public void Progress(ReceiveProgress progress)
            {
                // Progress carries running totals of messages read; the counters want increments.
                _monitor.Counters.Read(progress.Messages - _messages, progress.Bytes - _bytes);
                _monitor.Metrics.Read(progress.Messages - _messages, progress.Bytes - _bytes);
                _messages = progress.Messages;
                _bytes = progress.Bytes;
                _monitor.Metrics.FilesInProgress(progress.FilesInProgress);
                _monitor.Metrics.SetConsumerLag(progress.Lag);
                _inner.Progress(progress);
            }
        }

        private sealed class Processing : IProcessingObserver
        {
            private readonly ProgramMonitor _monitor;
            private readonly IProcessingObserver _inner;
            private readonly object _gate = new object();
            private int _received;

            public Processing(ProgramMonitor monitor, IProcessingObserver inner)
            {
                _monitor = monitor;
                _inner = inner;
            }

            public void FileProcessed(ProcessedFile result)
            {
                _monitor.Counters.Read(result.File.ChunkCount, result.Length);
                _monitor.Metrics.Read(result.File.ChunkCount, result.Length);
                _monitor.Counters.FileHandled();
                if (result.Status == ProcessedStatus.Processed)
                {
                    _monitor.Counters.Processed(result.File.ChunkCount, result.Length);
                    _monitor.Counters.Produced(result.ResultsProduced, 0);
                    _monitor.Metrics.FileProcessed(result.File.ChunkCount, result.Length, result.ResultsProduced);
                    _monitor.Log.Information($"processed {result.RelativePath} (attempt {result.Attempt}, {result.ResultsProduced} results)");
                }
                else
                {
                    _monitor.Metrics.FileFailed();
                    _monitor.Error($"Processing '{result.RelativePath}' failed (attempt {result.Attempt}): {result.ErrorMessage}", result.ErrorId);
                }
                _inner.FileProcessed(result);
            }

            public void Error(OpenMsiStreamException error)
            {
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

            public void Progress(ProcessingProgress progress)
            {
                // Called from the receiver's and the workers' threads; Received is a running total.
                lock (_gate)
                {
                    if (progress.Received > _received)
                    {
                        _monitor.Metrics.FilesReceived(progress.Received - _received);
                        _received = progress.Received;
                    }
                }
                _monitor.Metrics.FilesInProgress(progress.Running + progress.Waiting);
                _monitor.Metrics.SetConsumerLag(progress.Lag);
                if (progress.ResultDelivery != null)
                {
                    _monitor.ResultDeliveryDecided(progress.ResultDelivery);
                }
                if (progress.ResultQueueDepth is long queued)
                {
                    _monitor.Metrics.ResultProducerQueueDepth(queued);
                }
                _inner.Progress(progress);
            }
        }
    }
}
