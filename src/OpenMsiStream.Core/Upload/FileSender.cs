using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Chunks;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Upload
{
    /// <summary>
    /// Sends files as OpenMSIStream chunk messages to one topic. Several files are read at once and
    /// many can wait for acknowledgements at once; a file counts as sent only when the broker
    /// acknowledged every one of its chunks.
    /// </summary>
    public sealed class FileSender : IDisposable
    {
        private readonly ChunkProducer _producer;
        private readonly SendOptions _options;
        private readonly SemaphoreSlim _readSlots;
        private readonly RateLimiter? _rateLimiter;
        private readonly CancellationTokenSource _disposing = new CancellationTokenSource();
        private readonly object _activeGate = new object();
        private int _activeReaders;

        public FileSender(KafkaSettings settings, SendOptions options, ClientDiagnostics? diagnostics = null)
        {
            TopicName.Validate(options.Topic);
            _options = options;
            Diagnostics = diagnostics ?? new ClientDiagnostics();
            _producer = new ChunkProducer(settings, Diagnostics);
            try
            {
                ChunkSizeRules.Validate(options.ChunkSize, _producer.MessageMaxBytes);
            }
            catch
            {
                _producer.Dispose();
                throw;
            }
            _readSlots = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentFiles));
            _rateLimiter = options.MaxBytesPerSecond is long rate && rate > 0 ? new RateLimiter(rate) : null;
        }

        public ClientDiagnostics Diagnostics { get; }

        /// <summary>Chunks handed to the producer and not yet acknowledged (or failed).</summary>
        public long QueuedChunks => _producer.Queued;

        public string Topic => _options.Topic;

        /// <summary>Checks that the broker answers before any file is read; throws a clear error otherwise.</summary>
        public void Connect(CancellationToken cancellationToken) => _producer.Probe(_options.Topic, _options.ConnectTimeout, cancellationToken);

        /// <summary>Sends one file, reporting through <paramref name="hooks"/> and resuming where they say.</summary>
        public async Task<SentFile> SendAsync(FileToSend file, SendHooks? hooks, CancellationToken cancellationToken)
        {
            hooks ??= new SendHooks();
            var clock = Stopwatch.StartNew();
            FileChunkReader reader;
            DeliveryTracker tracker;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
            await _readSlots.WaitAsync(stop.Token).ConfigureAwait(false);
            try
            {
                (reader, tracker) = await Task.Run(() => ProduceChunksWhileActive(file, hooks, stop.Token), stop.Token).ConfigureAwait(false);
            }
            finally
            {
                _readSlots.Release();
            }

            await WaitAsync(tracker.Completion, stop.Token).ConfigureAwait(false);
            if (tracker.FirstError != null)
            {
                throw KafkaErrors.From(tracker.FirstError, $"Sending chunk {tracker.FirstErrorChunk} of '{file.FullPath}'", _producer.Settings, Diagnostics, _options.Topic);
            }
            return new SentFile(file.FullPath, file.RelativePath, _options.Topic, tracker.Partition, reader.State.Length, reader.ChunkCount,
                reader.ChunkSize, Hex.Lower(reader.FileHash), reader.State.LastWriteTimeUtc, clock.Elapsed, tracker.Produced, reader.ChunkCount - tracker.Produced);
        }

        /// <summary>
        /// Refuses a way of giving metadata (<paramref name="source"/>: -Metadata, the sidecar files of a
        /// watched directory) where metadata cannot travel, with KafkaCrypto or to a broker older than
        /// Kafka 0.11: once, before anything is sent, rather than once per file.
        /// </summary>
        public void RequireMetadataSupport(string source)
        {
            if (_producer.MetadataRefusal is string why)
            {
                throw new OpenMsiStreamException(ErrorIds.MetadataUnsupported,
                    $"{source} cannot be used here: files would carry metadata, {why}");
            }
        }

        /// <summary>Waits for every queued chunk to be acknowledged or to fail.</summary>
        public void Flush(CancellationToken cancellationToken) => _producer.Flush(cancellationToken);

        /// <summary>
        /// Stops files still being read (their sends fail as cancelled), waits for the readers to let go
        /// of the producer, then closes it without waiting for unacknowledged chunks.
        /// </summary>
        public void Dispose()
        {
            _disposing.Cancel();
            lock (_activeGate)
            {
                while (_activeReaders > 0)
                {
                    Monitor.Wait(_activeGate);
                }
            }
            _producer.Dispose();
            // _readSlots is not disposed: a send finishing after Dispose still releases its slot, and
            // SemaphoreSlim holds nothing that needs disposing unless its wait handle was used.
        }

        private (FileChunkReader, DeliveryTracker) ProduceChunksWhileActive(FileToSend file, SendHooks hooks, CancellationToken cancellationToken)
        {
            lock (_activeGate)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _activeReaders++;
            }
            try
            {
                return ProduceChunks(file, hooks, cancellationToken);
            }
            finally
            {
                lock (_activeGate)
                {
                    _activeReaders--;
                    Monitor.PulseAll(_activeGate);
                }
            }
        }

        private (FileChunkReader, DeliveryTracker) ProduceChunks(FileToSend file, SendHooks hooks, CancellationToken cancellationToken)
        {
            ResumePoint? resume = hooks.Resume;
            _producer.RequireMetadataSupport(file.Metadata, file.FullPath);
            using FileChunkReader reader = FileChunkReader.Open(file.FullPath, file.Subdirectory, resume?.ChunkSize ?? _options.ChunkSize, cancellationToken, hooks.SettledState, hooks.BytesHashed);
            bool resumed = resume != null && reader.FileHash.AsSpan().SequenceEqual(resume.FileHash);
            hooks.Planned?.Invoke(new FileSendPlan(reader.State, reader.FileHash, reader.ChunkSize, reader.ChunkCount, resumed));
            var tracker = new DeliveryTracker();
            try
            {
                foreach (OutgoingChunk chunk in reader.ReadChunks(cancellationToken, resumed ? resume!.IsAcknowledged : null))
                {
                    if (tracker.HasFailed)
                    {
                        break; // the file has failed; do not put more of it on the wire
                    }
                    EnsureFits(chunk, file);
                    _rateLimiter?.Take(chunk.DataLength, cancellationToken);
                    tracker.OnProduced();
                    int index = chunk.ChunkIndex; // the callback must not hold the chunk's buffer, which is reused
                    try
                    {
                        _producer.Produce(_options.Topic, chunk, file.Metadata, report =>
                        {
                            if (!report.Error.IsError)
                            {
                                hooks.ChunkAcknowledged?.Invoke(index);
                            }
                            tracker.Delivered(index, report);
                        }, cancellationToken);
                    }
                    catch
                    {
                        tracker.Delivered(index, DeliveryReports.NotSent); // undo the count taken above
                        throw;
                    }
                    finally
                    {
                        if (chunk.Pooled)
                        {
                            ChunkBufferPool.Shared.Return(chunk.Value); // librdkafka copied it (or it was never queued)
                        }
                    }
                    hooks.BytesQueued?.Invoke(chunk.DataLength);
                }
            }
            finally
            {
                tracker.Seal();
            }
            return (reader, tracker);
        }

        private void EnsureFits(OutgoingChunk chunk, FileToSend file)
        {
            long size = (long)chunk.Key.Length + chunk.Value.Length + (file.Metadata.IsEmpty ? 0 : FileMetadata.HeaderName.Length + file.Metadata.Header.Length);
            if (size > _producer.MessageMaxBytes)
            {
                throw new OpenMsiStreamException(ErrorIds.MessageTooLarge,
                    $"A chunk of '{file.FullPath}' needs {size} bytes, more than message.max.bytes ({_producer.MessageMaxBytes}); the file or directory name is very long. Use a smaller -ChunkSize.",
                    target: file.FullPath);
            }
        }

        private static async Task WaitAsync(Task task, CancellationToken cancellationToken)
        {
            if (task.IsCompleted)
            {
                return;
            }
            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(() => cancelled.TrySetCanceled(cancellationToken)))
            {
                await (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false)).ConfigureAwait(false);
            }
        }
    }
}
