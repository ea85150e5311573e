using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Processing
{
    /// <summary>
    /// Runs a <see cref="FileHandler"/> on every file of a topic, as a member of a consumer group, with
    /// a durable record per topic and group: a file is acknowledged to the broker only once it is
    /// recorded processed (its results on the result topic) or failed (its content kept to try again),
    /// so after a crash or restart failed and unfinished files are processed again and processed files
    /// never again.
    /// </summary>
    public sealed class StreamProcessor : IDisposable
    {
        private static readonly TimeSpan UncooperativeHandlerGrace = TimeSpan.FromSeconds(10);
        private static readonly TimeSpan RetryCheckInterval = TimeSpan.FromSeconds(1);

        private readonly KafkaSettings _settings;
        private readonly StreamProcessingOptions _options;
        private readonly FileHandler _handler;
        private readonly ProcessingRegistry _registry;
        private readonly KeptContent _kept;
        private readonly FileStream _runLock;
        private readonly ConcurrentDictionary<string, string> _inFlight = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        private ResultProducer? _results;
        private long _lag = -1; // the receiver's, read by workers too: a long, not a long?, so it is never torn
        private ResultTransactions? _transactions;
        private ResultDeliveryDecision? _delivery;
        private CancellationTokenSource? _stopping;
        private OpenMsiStreamException? _fatal;
        private IRunObserver<ProcessedFile, ProcessingProgress>? _observer;
        private int _received, _processed, _failed, _skipped, _running, _waiting;

        public StreamProcessor(KafkaSettings settings, StreamProcessingOptions options, FileHandler handler, ClientDiagnostics? diagnostics = null)
        {
            TopicName.Validate(options.Topic);
            if (options.ResultTopic != null)
            {
                TopicName.Validate(options.ResultTopic);
            }
            if (options.Mode != ProcessingMode.Memory && options.OutputDirectory == null)
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    $"Processing mode {options.Mode} writes files to disk and needs an output directory.");
            }
            if (options.ThrottleLimit < 1)
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument, "The throttle limit must be at least 1.");
            }
            _settings = settings;
            _options = options;
            _handler = handler;
            Diagnostics = diagnostics ?? new ClientDiagnostics();
            StateDirectory = options.ResolveStateDirectory();
            Directory.CreateDirectory(StateDirectory);
            _runLock = TakeRunLock(StateDirectory, options.Topic, options.GroupId);
            try
            {
                _registry = ProcessingRegistry.Open(StateDirectory, options.Topic, options.GroupId);
            }
            catch
            {
                _runLock.Dispose();
                throw;
            }
            _kept = new KeptContent(StateDirectory);
        }

        public ClientDiagnostics Diagnostics { get; }

        /// <summary>Where the processing record and kept content are.</summary>
        public string StateDirectory { get; }

        public string GroupId => _options.GroupId;

        /// <summary>The record of every file this topic and group processed or failed.</summary>
        public IReadOnlyList<ProcessingRecord> Records() => _registry.All();

        /// <summary>How results are delivered once <see cref="Connect"/> (or <see cref="Run"/>) decided; null before.</summary>
        public ResultDeliveryDecision? Delivery => _delivery;

        /// <summary>
        /// The transactional.id this processor uses for exactly-once results: the topic, the group and a
        /// random id kept in the state directory, so that a restart of this processor fences and ends what
        /// its killed predecessor left open, and two processors of one group never share it.
        /// </summary>
        public string TransactionalId => _transactionalId ??= $"openmsistream.{_options.Topic}.{GroupId}.{_registry.InstanceId()}";

        private string? _transactionalId;

        /// <summary>
        /// Decides how results are delivered (<see cref="StreamProcessingOptions.ExactlyOnce"/> and what the
        /// broker supports), starts the result producer, and, with exactly-once results, settles the files
        /// whose result transaction was being committed when the last run ended: processed if it committed,
        /// to be processed again if not. Called by <see cref="Run"/> when not called before.
        /// </summary>
        public ResultDeliveryDecision Connect(IRunObserver<ProcessedFile, ProcessingProgress> observer, CancellationToken cancellationToken)
        {
            if (_delivery != null)
            {
                return _delivery;
            }
            _observer = observer;
            string? refusal = null;
            ResultDeliveryDecision decision = ResultDeliveryDecision.Decide(_options.ExactlyOnce, _options.ResultTopic != null, BrokerTooOld, IsEmbeddedBroker, TransactionalId, () =>
            {
                try
                {
                    _transactions = ResultTransactions.Start(_settings, _options.ResultTopic!, TransactionalId, Diagnostics, TransactionStartTimeout);
                    return null;
                }
                catch (KafkaException ex)
                {
                    refusal = ex.Error.Reason;
                }
                catch (OpenMsiStreamException ex)
                {
                    refusal = ex.Message;
                }
                return refusal;
            });
            cancellationToken.ThrowIfCancellationRequested();
            if (decision.Delivery == ResultDelivery.AtLeastOnce && _options.ResultTopic != null)
            {
                _results = new ResultProducer(_settings, _options.ResultTopic, Diagnostics);
            }
            SettleCommitting(decision.Delivery == ResultDelivery.ExactlyOnce ? new ResultCommitProbe(_settings, _options.ResultTopic!, Diagnostics) : null);
            _delivery = decision;
            observer.Progress(Progress()); // a monitor learns the decision before the first file
            return decision;
        }

        /// <summary>InitTransactions may wait for the broker to create its transaction log on first use.</summary>
        private TimeSpan TransactionStartTimeout => _options.ConnectTimeout > TimeSpan.FromSeconds(30) ? _options.ConnectTimeout : TimeSpan.FromSeconds(30);

        private string? BrokerTooOld()
        {
            Version? version = KafkaClientFactory.PinnedBrokerVersion(KafkaClientFactory.ProducerProperties(_settings));
            return version != null && version < new Version(0, 11)
                ? $"the config declares a Kafka {version} broker (broker.version.fallback with api.version.request = false), and transactions came with Kafka 0.11"
                : null;
        }

        /// <summary>
        /// Asked first of a broker that may have transactions, so it also checks that the broker answers:
        /// an unreachable one fails here as fast as a receiver's own check (BrokerUnreachable), rather than
        /// after the cluster-id and InitTransactions timeouts.
        /// </summary>
        private bool IsEmbeddedBroker()
        {
            using (IAdminClient admin = KafkaClientFactory.BuildAdminClient(_settings, Diagnostics))
            {
                KafkaConnectionProbe.Probe(admin, null, _options.ConnectTimeout, _settings, Diagnostics, CancellationToken.None);
            }
            return ClusterIdentity.IsEmbeddedBroker(ClusterIdentity.Read(_settings, _options.ConnectTimeout));
        }

        /// <summary>
        /// Files whose result transaction was being committed when the last run ended (killed between
        /// sending the commit and recording the file processed): the broker says whether it committed. With
        /// at-least-once results now (<paramref name="probe"/> null) they are simply processed again.
        /// </summary>
        private void SettleCommitting(ResultCommitProbe? probe)
        {
            using (probe)
            {
                foreach (ProcessingRecord record in _registry.Committing())
                {
                    TopicPartitionPosition first = record.Committing!.Value;
                    bool? committed = probe?.IsCommitted(first.Partition, first.Offset, UndecidedTransactionWait) ?? false;
                    if (committed == null)
                    {
                        throw new OpenMsiStreamException(ErrorIds.ResultCommitUndecided,
                            $"Whether the results of '{record.RelativePath}' (topic '{_options.ResultTopic}', {first}) were committed is still not known after {UndecidedTransactionWait.TotalSeconds:0} s: "
                            + "an open transaction holds the topic's last stable offset. Start the processor again later.", target: record.RelativePath);
                    }
                    _registry.Settle(record, committed.Value);
                    if (committed.Value)
                    {
                        ReleaseProcessed(record.ContentPath);
                    }
                    _observer?.Verbose(committed.Value
                        ? $"The results of '{record.RelativePath}' were committed before the last run ended; it is recorded processed."
                        : $"The results of '{record.RelativePath}' were not committed before the last run ended; it is processed again.");
                }
            }
        }

        /// <summary>Longer than a transaction may stay open (transaction.timeout.ms, 60 s by default), after which the broker aborts it.</summary>
        private static readonly TimeSpan UndecidedTransactionWait = TimeSpan.FromSeconds(75);

        /// <summary>A processed file's content is not needed any more: a kept copy is released, a copy in the output directory deleted when asked.</summary>
        private void ReleaseProcessed(string? contentPath)
        {
            if (contentPath == null)
            {
                return;
            }
            if (_kept.Owns(contentPath))
            {
                _kept.Release(contentPath);
            }
            else if (_options.DeleteFilesWhenProcessed && File.Exists(contentPath))
            {
                TryDelete(contentPath);
            }
        }

        /// <summary>
        /// Processes files until <see cref="StreamProcessingOptions.Count"/> files were handled, nothing
        /// arrived for <see cref="StreamProcessingOptions.IdleTimeout"/> and all work is done, or
        /// <paramref name="cancellationToken"/> fires (files being handled then are left unfinished and
        /// handled again at the next start).
        /// </summary>
        public ProcessingSummary Run(IRunObserver<ProcessedFile, ProcessingProgress> observer, CancellationToken cancellationToken)
        {
            Stopwatch clock = Stopwatch.StartNew();
            ResultDeliveryDecision delivery = Connect(observer, cancellationToken);
            _observer = observer;
            _fatal = null;
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _stopping = stopping;
            using var receiving = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
            // Bounded: a slow handler holds the receiver back instead of letting files pile up in memory.
            using var queue = new BlockingCollection<WorkItem>(_options.ThrottleLimit);
            var receiveOptions = new ReceiveOptions(_options.Topic)
            {
                GroupId = _options.GroupId,
                ProgramId = _options.ProgramId,
                OutputDirectory = _options.Mode == ProcessingMode.Memory ? null : _options.OutputDirectory,
                Filter = _options.Filter,
                IdleTimeout = _options.IdleTimeout,
                MaxMemoryFileSize = _options.MaxMemoryFileSize,
                ConnectTimeout = _options.ConnectTimeout,
                StalledFileTimeout = _options.StalledFileTimeout,
                AcknowledgeFiles = true,
                Delivering = RecordDelivered,
                Decryption = _options.Decryption,
                UndecryptableDirectory = Path.Combine(_options.OutputDirectory ?? StateDirectory, Crypto.Runtime.UndecryptableMessageStore.DirectoryName),
                OffsetCommitter = _transactions,
            };
            Task[] workers = new Task[_options.ThrottleLimit];
            for (int i = 0; i < workers.Length; i++)
            {
                workers[i] = Task.Factory.StartNew(() => Work(queue, stopping), TaskCreationOptions.LongRunning);
            }
            Task retries = Task.Factory.StartNew(() => FeedUnfinished(queue, receiving.Token), TaskCreationOptions.LongRunning);
            Exception? failure = null;
            try
            {
                using var receiver = new FileReceiver(_settings, receiveOptions, Diagnostics);
                observer.Verbose($"Processing topic '{_options.Topic}' on {_settings.BootstrapServers} as consumer group '{GroupId}'; state in '{StateDirectory}'; {delivery.Describe()}.");
                receiver.Run(new ReceiverBridge(this, receiver, queue, receiving.Token), receiving.Token);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                failure = ex;
                stopping.Cancel();
            }
            finally
            {
                receiving.Cancel();
                WaitQuietly(retries);
                queue.CompleteAdding();
                // Normal end (idle, count): the files already handed over finish. Ctrl+C: stopping is
                // cancelled and they are left unfinished, to be processed at the next start.
                foreach (Task worker in workers)
                {
                    WaitQuietly(worker);
                }
                _results?.Dispose();
                _results = null;
                _transactions?.Dispose();
                _transactions = null;
                _delivery = null;
                _stopping = null;
            }
            failure ??= _fatal;
            if (failure != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }
            observer.Progress(Progress());
            if (_skipped > 0 && !cancellationToken.IsCancellationRequested)
            {
                observer.Warning($"{_skipped} file(s) skipped: handled in an earlier run of this processor (record in '{StateDirectory}'); {_processed} processed, {_failed} failed in this run.");
            }
            return new ProcessingSummary(_processed, _failed, _skipped, clock.Elapsed, delivery.Delivery);
        }

        public void Dispose()
        {
            _results?.Dispose();
            _transactions?.Dispose();
            _registry.Dispose();
            _runLock.Dispose();
        }

        private ProcessingProgress Progress() => new ProcessingProgress(_received, _processed, _failed, _running, _waiting, _skipped, Volatile.Read(ref _lag) is long lag && lag >= 0 ? lag : (long?)null,
            _delivery, _results?.Queued ?? _transactions?.Queued);

        /// <summary>
        /// Disk modes, on the receiver's thread: the file is in the output directory and about to be
        /// recorded as received (after which the broker would not deliver it again), so it is recorded
        /// here first as pending, with its path to process it from after a crash.
        /// </summary>
        private void RecordDelivered(ReceivedFile file)
        {
            ProcessingRecord? record = _registry.Find(file.RelativePath);
            if (record != null && record.Sha512 == file.Sha512 && record.Status == ProcessingStatus.Processed)
            {
                return;
            }
            ReleaseSuperseded(record, file);
            _registry.Pending(file, file.FullName, AttemptFor(file, record));
        }

        /// <summary>A newer version replaces an older one's record: the older one's kept copy is not needed any more.</summary>
        private void ReleaseSuperseded(ProcessingRecord? record, ReceivedFile file)
        {
            if (record != null && record.Sha512 != file.Sha512)
            {
                _kept.Release(record.ContentPath);
            }
        }

        private static int AttemptFor(ReceivedFile file, ProcessingRecord? record) =>
            record != null && record.Sha512 == file.Sha512 ? record.Attempts + 1 : 1;

        /// <summary>On the receiver's thread: a verified file, to hand to a worker unless it is done already.</summary>
        private void Accept(ReceivedFile file, FileReceiver receiver, BlockingCollection<WorkItem> queue, CancellationToken receiving)
        {
            Interlocked.Increment(ref _received);
            ProcessingRecord? record = _registry.Find(file.RelativePath);
            if (record != null && record.Sha512 == file.Sha512 && record.Status == ProcessingStatus.Processed)
            {
                if (Interlocked.Increment(ref _skipped) == 1)
                {
                    // Said at once: a user who sees no output would otherwise wait for files that will never come.
                    _observer!.Warning($"Skipping '{file.RelativePath}' and every other file this processor handled in an earlier run (same SHA-512): "
                        + $"consumer group '{GroupId}', record in '{StateDirectory}'. To process them again, give another -GroupId (--group-id) or -StateDirectory, or delete that record.");
                }
                _observer!.Verbose($"'{file.RelativePath}' was processed before (same SHA-512); not processing it again.");
                _observer!.Progress(Progress());
                receiver.Acknowledge(file);
                return;
            }
            if (!_inFlight.TryAdd(file.RelativePath, file.Sha512))
            {
                // The same version is being processed from its kept content (or a newer one is): this
                // copy is not needed, and the record covers the file if that processing is interrupted.
                _observer!.Verbose($"'{file.RelativePath}' is being processed already; this copy is not processed again.");
                receiver.Acknowledge(file);
                return;
            }
            ReceivedFile delivered = file; // the receiver knows the file by this object
            int attempt;
            if (_options.Mode == ProcessingMode.Memory)
            {
                ReleaseSuperseded(record, file);
                attempt = AttemptFor(file, record);
                _registry.Pending(file, null, attempt);
            }
            else
            {
                attempt = record?.Attempts ?? 1; // RecordDelivered counted this attempt
                if (_options.Mode == ProcessingMode.Both)
                {
                    file = WithBytes(file);
                }
            }
            Enqueue(queue, new WorkItem(file, attempt, delivered.FullName, () => receiver.Acknowledge(delivered), commit => receiver.AcknowledgeWithCommit(delivered, commit)), receiving,
                whileFull: receiver.ResolveAcknowledgedNow);
        }

        /// <param name="whileFull">
        /// On the receiver's thread: runs the acknowledgements workers made meanwhile. Workers with
        /// exactly-once results wait for the receiver to commit their transactions, so a receiver that
        /// only waited for room in the queue would wait for them forever.
        /// </param>
        private void Enqueue(BlockingCollection<WorkItem> queue, WorkItem item, CancellationToken token, Action? whileFull = null)
        {
            Interlocked.Increment(ref _waiting);
            try
            {
                while (!queue.TryAdd(item, (int)EnqueueSlice.TotalMilliseconds, token))
                {
                    whileFull?.Invoke();
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException || ex is InvalidOperationException)
            {
                Interlocked.Decrement(ref _waiting);
                _inFlight.TryRemove(item.File.RelativePath, out _);
                throw new OperationCanceledException("The processor is stopping.", ex);
            }
        }

        private static readonly TimeSpan EnqueueSlice = TimeSpan.FromMilliseconds(50);

        private ReceivedFile WithBytes(ReceivedFile file)
        {
            if (file.FullName == null || file.Length > _options.MaxMemoryFileSize)
            {
                if (file.FullName != null)
                {
                    _observer!.Warning($"'{file.RelativePath}' ({ByteSize.Format(file.Length)}) is larger than the memory limit ({ByteSize.Format(_options.MaxMemoryFileSize)}); it is handed over on disk only.");
                }
                return file;
            }
            return file.WithContent(file.FullName, File.ReadAllBytes(file.FullName));
        }

        /// <summary>
        /// At the start: files left pending or failed by an earlier run whose content is kept are
        /// processed again. While running, with <see cref="StreamProcessingOptions.RetryFailedAfter"/>:
        /// failed files are tried again once they waited that long.
        /// </summary>
        private void FeedUnfinished(BlockingCollection<WorkItem> queue, CancellationToken token)
        {
            try
            {
                FeedRecords(queue, _registry.Unfinished(), TimeSpan.Zero, token);
                if (!_options.RetryFailedAfter.HasValue)
                {
                    return;
                }
                while (!token.WaitHandle.WaitOne(RetryCheckInterval))
                {
                    FeedRecords(queue, _registry.Unfinished(), _options.RetryFailedAfter.Value, token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private void FeedRecords(BlockingCollection<WorkItem> queue, IReadOnlyList<ProcessingRecord> records, TimeSpan minimumAge, CancellationToken token)
        {
            foreach (ProcessingRecord record in records)
            {
                token.ThrowIfCancellationRequested();
                if (record.ContentPath == null || (minimumAge > TimeSpan.Zero && (record.Status != ProcessingStatus.Failed || DateTimeOffset.Now - record.UpdatedAt < minimumAge)))
                {
                    continue; // received into memory: the broker delivers it again, as it was never acknowledged
                }
                if (!_inFlight.TryAdd(record.RelativePath, record.Sha512))
                {
                    continue;
                }
                ReceivedFile? file = LoadKept(record);
                if (file == null)
                {
                    _inFlight.TryRemove(record.RelativePath, out _);
                    continue;
                }
                _registry.Pending(file, record.ContentPath, record.Attempts + 1);
                _observer!.Verbose($"Processing '{record.RelativePath}' again (attempt {record.Attempts + 1}; last time: {record.LastError ?? "unfinished"}).");
                Enqueue(queue, new WorkItem(file, record.Attempts + 1, record.ContentPath, acknowledge: null, acknowledgeWithCommit: null), token);
            }
        }

        /// <summary>The kept content of an unfinished file, checked against its SHA-512; null (and reported) when it is gone or changed.</summary>
        private ReceivedFile? LoadKept(ProcessingRecord record)
        {
            string path = record.ContentPath!;
            string? problem = null;
            try
            {
                if (!File.Exists(path))
                {
                    problem = $"its content '{path}' no longer exists";
                }
                else if (KeptContent.HashOf(path) != record.Sha512)
                {
                    problem = $"its content '{path}' changed since it was received";
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                problem = $"its content '{path}' cannot be read ({ex.Message})";
            }
            var file = new ReceivedFile(record.RelativePath, null, null, record.Length, 0, record.Sha512, _options.Topic, -1, null, record.KeyPrefix);
            if (problem != null)
            {
                // Forget the content so the file is not tried again from it; a new delivery of the file
                // (sent again, or this group's offsets reset) is processed normally.
                _registry.Failed(file, record.Attempts, $"Cannot process '{record.RelativePath}' again: {problem}.", contentPath: null);
                _observer!.Error(new OpenMsiStreamException(ErrorIds.ProcessingContentMissing,
                    $"Cannot process '{record.RelativePath}' again: {problem}. Send the file again to process it.", target: record.RelativePath));
                return null;
            }
            bool onDisk = !_kept.Owns(path);
            return _options.Mode switch
            {
                ProcessingMode.Memory => file.WithContent(null, File.ReadAllBytes(path)),
                ProcessingMode.Disk => file.WithContent(path, null),
                _ => record.Length <= _options.MaxMemoryFileSize ? file.WithContent(onDisk ? path : null, File.ReadAllBytes(path)) : file.WithContent(path, null),
            };
        }

        private void Work(BlockingCollection<WorkItem> queue, CancellationTokenSource stopping)
        {
            try
            {
                foreach (WorkItem item in queue.GetConsumingEnumerable(stopping.Token))
                {
                    Interlocked.Decrement(ref _waiting);
                    Interlocked.Increment(ref _running);
                    try
                    {
                        if (Process(item, stopping.Token))
                        {
                            _observer!.Progress(Progress());
                            if (_options.Count.HasValue && _processed + _failed >= _options.Count.Value)
                            {
                                stopping.Cancel();
                            }
                        }
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _running);
                        _inFlight.TryRemove(item.File.RelativePath, out _);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping: files still queued stay pending and unacknowledged, for the next start.
            }
        }

        /// <summary>Handles one file; false when the processor stopped before it finished (the file stays pending).</summary>
        private bool Process(WorkItem item, CancellationToken stopping)
        {
            ReceivedFile file = item.File;
            Stopwatch clock = Stopwatch.StartNew();
            HandlerOutcome? outcome = null;
            Exception? error;
            try
            {
                outcome = RunHandler(file, stopping);
                int produced = 0;
                bool acknowledged = false;
                if (_transactions != null && outcome.ResultMessages.Count > 0)
                {
                    if (!CommitResults(item, outcome.ResultMessages))
                    {
                        return false; // the receiver stopped before the transaction: nothing committed, the file stays pending
                    }
                    produced = outcome.ResultMessages.Count;
                    acknowledged = true;
                }
                else if (_results != null && outcome.ResultMessages.Count > 0)
                {
                    ProduceResults(file, outcome.ResultMessages, stopping);
                    produced = outcome.ResultMessages.Count;
                }
                _registry.Processed(file, item.Attempt, produced);
                _kept.Release(_kept.PathFor(file.RelativePath, file.Sha512));
                if (_options.DeleteFilesWhenProcessed && file.FullName != null)
                {
                    TryDelete(file.FullName);
                }
                if (!acknowledged)
                {
                    item.Acknowledge?.Invoke();
                }
                Interlocked.Increment(ref _processed);
                _observer!.File(new ProcessedFile(file, ProcessedStatus.Processed, item.Attempt, clock.Elapsed, outcome, _options.ResultTopic, produced, null, DeliveryInForce));
                return true;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return false;
            }
            catch (OpenMsiStreamException ex) when (_transactions?.Broken != null)
            {
                // The result producer cannot go on (fenced, or a commit whose outcome is unknown): the
                // file stays pending (or committing, for the next start to settle) and the processor stops.
                _fatal ??= ex;
                _stopping?.Cancel();
                return false;
            }
            catch (Exception ex)
            {
                error = ex is AggregateException aggregate && aggregate.InnerExceptions.Count == 1 ? aggregate.InnerException! : ex;
            }
            string? contentPath = null;
            try
            {
                contentPath = file.FullName ?? (file.Bytes != null ? _kept.Keep(file.RelativePath, file.Sha512, file.Bytes) : null);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                _observer!.Warning($"Could not keep a copy of '{file.RelativePath}' to process it again ({ex.Message}); it is processed again only if it is sent again.");
            }
            _registry.Failed(file, item.Attempt, error.Message, contentPath);
            item.Acknowledge?.Invoke();
            Interlocked.Increment(ref _failed);
            _observer!.File(new ProcessedFile(file, ProcessedStatus.Failed, item.Attempt, clock.Elapsed, outcome, _options.ResultTopic, 0, error, DeliveryInForce));
            return true;
        }

        /// <summary>
        /// Runs the handler on a pool thread, so a handler that blocks cannot hold this worker past its
        /// timeout. A handler that ignores cancellation is abandoned after a grace period.
        /// </summary>
        private HandlerOutcome RunHandler(ReceivedFile file, CancellationToken stopping)
        {
            using var handling = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            if (_options.Timeout.HasValue)
            {
                handling.CancelAfter(_options.Timeout.Value);
            }
            Task<HandlerOutcome> task = Task.Run(() => _handler.HandleAsync(file, handling.Token));
            try
            {
                if (!_options.Timeout.HasValue)
                {
                    task.Wait(stopping);
                    return task.Result;
                }
                if (!task.Wait((int)Math.Min(int.MaxValue, (_options.Timeout.Value + UncooperativeHandlerGrace).TotalMilliseconds), stopping))
                {
                    _observer!.Warning($"The handler for '{file.RelativePath}' ignored its timeout; it is left running and the file recorded as failed.");
                    throw TimedOut(file);
                }
                return task.Result;
            }
            catch (AggregateException ex) when (ex.InnerException is OperationCanceledException && handling.IsCancellationRequested && !stopping.IsCancellationRequested)
            {
                throw TimedOut(file);
            }
            catch (AggregateException ex) when (ex.InnerException is OperationCanceledException && stopping.IsCancellationRequested)
            {
                throw new OperationCanceledException(stopping);
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
            {
                if (handling.IsCancellationRequested && !stopping.IsCancellationRequested && _options.Timeout.HasValue)
                {
                    // A handler stopped by its timeout often fails with its own error (a stopped
                    // pipeline, a killed process): the timeout is what the user needs to see.
                    throw TimedOut(file, ex.InnerException);
                }
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException!).Throw();
                throw;
            }
        }

        private OpenMsiStreamException TimedOut(ReceivedFile file, Exception? inner = null) =>
            new OpenMsiStreamException(ErrorIds.ProcessingTimedOut,
                $"Processing '{file.RelativePath}' took longer than the timeout of {_options.Timeout!.Value.TotalSeconds:0.###} s and was stopped.", inner, file.RelativePath);

        private ResultDelivery DeliveryInForce => _delivery?.Delivery ?? ResultDelivery.None;

        /// <summary>
        /// Exactly-once: the file's results, and the offsets its acknowledgement lets the receiver commit,
        /// in one transaction, run by the receiver (or here, for a file processed from kept content, which
        /// has no messages to commit). Just before the commit the registry records where the results went,
        /// so that a restart after a kill at any point can ask the broker whether they were committed.
        /// False when the receiver stopped first (nothing was committed).
        /// </summary>
        private bool CommitResults(WorkItem item, IReadOnlyList<string> messages)
        {
            ReceivedFile file = item.File;
            CommitWithOffsets commit = (offsets, group) => _transactions!.Commit(file.ResultKey, messages, offsets, group, first =>
                _registry.Committing(file, item.ContentPath, item.Attempt, messages.Count, new TopicPartitionPosition(first!.Partition.Value, first.Offset.Value)));
            try
            {
                if (item.AcknowledgeWithCommit == null)
                {
                    commit(Array.Empty<TopicPartitionOffset>(), null!);
                    return true;
                }
                Task committed = item.AcknowledgeWithCommit(commit);
                try
                {
                    committed.Wait(); // the receiver runs it or cancels it when it stops: never left waiting
                }
                catch (AggregateException) when (committed.IsCanceled)
                {
                    return false;
                }
                return true;
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException!).Throw();
                throw;
            }
            catch (OpenMsiStreamException ex) when (ex.ErrorId == ErrorIds.ResultNotProduced)
            {
                throw new OpenMsiStreamException(ErrorIds.ResultNotProduced,
                    $"The results for '{file.RelativePath}' could not be committed to topic '{_options.ResultTopic}': {ex.Message}", ex, file.RelativePath);
            }
        }

        private void ProduceResults(ReceivedFile file, IReadOnlyList<string> messages, CancellationToken stopping)
        {
            try
            {
                _results!.ProduceAsync(file.ResultKey, messages, stopping).GetAwaiter().GetResult();
            }
            catch (OpenMsiStreamException ex)
            {
                throw new OpenMsiStreamException(ErrorIds.ResultNotProduced,
                    $"The results for '{file.RelativePath}' could not be produced to topic '{_options.ResultTopic}': {ex.Message}", ex, file.RelativePath);
            }
        }

        private void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                _observer!.Warning($"Could not delete '{path}' after processing it: {ex.Message}");
            }
        }

        private static void WaitQuietly(Task task)
        {
            try
            {
                task.Wait();
            }
            catch (AggregateException)
            {
                // Workers report their own failures; a cancelled wait is expected when stopping.
            }
        }

        private static FileStream TakeRunLock(string stateDirectory, string topic, string groupId)
        {
            string lockPath = Path.Combine(stateDirectory, "processor-" + State.AppData.SafeName(topic) + "." + State.AppData.SafeName(groupId) + ".lock");
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex)
            {
                throw new OpenMsiStreamException(ErrorIds.StateDirectoryInUse,
                    $"Another stream processor of topic '{topic}' and group '{groupId}' is running with state directory '{stateDirectory}'; only one may run at a time (for more parallelism, raise its throttle limit or give the others their own state directory).", ex, stateDirectory);
            }
        }

        private sealed class WorkItem
        {
            public WorkItem(ReceivedFile file, int attempt, string? contentPath, Action? acknowledge, Func<CommitWithOffsets, Task>? acknowledgeWithCommit)
            {
                File = file;
                Attempt = attempt;
                ContentPath = contentPath;
                Acknowledge = acknowledge;
                AcknowledgeWithCommit = acknowledgeWithCommit;
            }

            public ReceivedFile File { get; }

            public int Attempt { get; }

            /// <summary>Where the content stays until the file is processed (its record's content path), if anywhere.</summary>
            public string? ContentPath { get; }

            /// <summary>Lets the receiver commit the file's messages; null for files processed from kept content.</summary>
            public Action? Acknowledge { get; }

            /// <summary>Lets the receiver commit the file's messages in a transaction with its results; null for files processed from kept content.</summary>
            public Func<CommitWithOffsets, Task>? AcknowledgeWithCommit { get; }
        }

        /// <summary>Receiver events, on the receiver's thread, turned into work and reports.</summary>
        private sealed class ReceiverBridge : IRunObserver<ReceivedFile, ReceiveProgress>
        {
            private readonly StreamProcessor _processor;
            private readonly FileReceiver _receiver;
            private readonly BlockingCollection<WorkItem> _queue;
            private readonly CancellationToken _receiving;

            public ReceiverBridge(StreamProcessor processor, FileReceiver receiver, BlockingCollection<WorkItem> queue, CancellationToken receiving)
            {
                _processor = processor;
                _receiver = receiver;
                _queue = queue;
                _receiving = receiving;
            }

            public void File(ReceivedFile file)
            {
                try
                {
                    _processor.Accept(file, _receiver, _queue, _receiving);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: the file is neither acknowledged nor processed; the next start gets it again.
                }
            }

            public void Error(OpenMsiStreamException error) => _processor._observer!.Error(error);

            public void Warning(string message) => _processor._observer!.Warning(message);

            public void Verbose(string message) => _processor._observer!.Verbose(message);

            public void Progress(ReceiveProgress progress)
            {
                Volatile.Write(ref _processor._lag, progress.Lag ?? -1);
                _processor._observer!.Progress(_processor.Progress());
            }
        }
    }
}
