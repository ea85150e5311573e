using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Runtime;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// Consumes a topic of chunk messages as a member of a consumer group and rebuilds the files,
    /// reporting each verified file as soon as it is complete. Offsets are committed by hand, and only
    /// up to the oldest message whose file is not yet handled.
    /// </summary>
    public sealed class FileReceiver : IDisposable
    {
        private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(100);
        private static readonly TimeSpan CommitInterval = TimeSpan.FromSeconds(1);
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);
        private static readonly TimeSpan MaxStallCheckInterval = TimeSpan.FromSeconds(5);

        /// <summary>After this long without partitions of an existing topic the user is told why.</summary>
        private static readonly TimeSpan SlowJoinNotice = TimeSpan.FromSeconds(10);

        private readonly KafkaSettings _settings;
        private readonly ReceiveOptions _options;
        private IConsumer<byte[], byte[]> _consumer;
        private readonly ClientPropertySet _properties;
        private readonly Action<string> _onStatistics;
        private readonly Reassembler _reassembler;
        private readonly DirectoryTarget? _directory;
        private readonly Quarantine? _quarantine;
        private readonly OffsetTracker _offsets = new OffsetTracker();
        private readonly TimeSpan _sessionTimeout;
        private readonly bool _groupIsFresh;
        private TimeSpan _joinAllowance;
        private readonly Stopwatch _clock = new Stopwatch();
        private TimeSpan? _lastAssignment;
        private IReceiveObserver? _observer;
        private readonly KafkaCryptoNode? _cryptoNode;
        private readonly MessageDecryptor? _decryptor;
        private readonly string? _undecryptableDirectory;
        private CancellationToken _running;
        private long _lag = -1;

        /// <summary>Set while the consumer closes: its partitions are revoked, but not because another member takes them.</summary>
        private bool _closing;
        private readonly OutputOutage _outage = new OutputOutage();
        private readonly HashSet<string> _badMetadataReported = new HashSet<string>(StringComparer.Ordinal);
        private int _received;
        private int _errors;
        private readonly ConcurrentQueue<Acknowledgement> _acknowledged = new ConcurrentQueue<Acknowledgement>();
        private readonly object _acknowledging = new object();
        private bool _acknowledgementsClosed;
        private readonly Dictionary<ReceivedFile, IReadOnlyList<MessagePosition>> _awaitingAcknowledgement = new Dictionary<ReceivedFile, IReadOnlyList<MessagePosition>>();

        public FileReceiver(KafkaSettings settings, ReceiveOptions options, ClientDiagnostics? diagnostics = null)
        {
            TopicName.Validate(options.Topic);
            _settings = settings;
            _options = options;
            Diagnostics = diagnostics ?? new ClientDiagnostics();
            GroupId = ResolveGroupId(settings, options.GroupId, out _groupIsFresh);
            ClientPropertySet properties = KafkaClientFactory.ConsumerProperties(settings, GroupId);
            GroupInstanceId = StaticMembership.Apply(properties, options.ProgramId, _groupIsFresh);
            _properties = properties;
            bool readCommitted = !string.Equals(properties["isolation.level"], "read_uncommitted", StringComparison.OrdinalIgnoreCase);
            _onStatistics = json => Volatile.Write(ref _lag, ConsumerStatistics.Lag(json, options.Topic, readCommitted) ?? -1);
            _sessionTimeout = TimeSpan.FromMilliseconds(KafkaClientFactory.SessionTimeoutMs(properties));
            ReassemblyTarget target;
            if (options.OutputDirectory != null)
            {
                _directory = new DirectoryTarget(options.OutputDirectory, options.Topic, GroupId, delivering: options.Delivering);
                _quarantine = new Quarantine(_directory.QuarantineDirectory);
                target = _directory;
            }
            else
            {
                target = new MemoryTarget(options.MaxMemoryFileSize);
            }
            _reassembler = new Reassembler(target, options.Topic, options.MaxFileSize, options.MaxFilesInProgress, options.MaxBytesInProgress,
                groupCommit: _directory != null);
            _cryptoNode = KafkaCryptoNode.Acquire(settings, Diagnostics);
            try
            {
                if (_cryptoNode != null)
                {
                    _decryptor = new MessageDecryptor(_cryptoNode, options.Decryption);
                    _undecryptableDirectory = options.OutputDirectory != null
                        ? System.IO.Path.Combine(options.OutputDirectory, UndecryptableMessageStore.DirectoryName)
                        : options.UndecryptableDirectory;
                }
                _consumer = KafkaClientFactory.BuildConsumer(properties, Diagnostics, onAssigned: OnAssigned, onRevoked: OnRevoked, onStatistics: _onStatistics);
            }
            catch
            {
                _cryptoNode?.Release();
                throw;
            }
        }

        /// <summary>The KafkaCrypto node decrypting this receiver's messages, or null when they are not encrypted.</summary>
        public string? CryptoNodeId => _cryptoNode?.NodeId;

        public ClientDiagnostics Diagnostics { get; }

        /// <summary>Whether a later run can continue this one's unfinished files (a fixed consumer group).</summary>
        public bool Resumable => !_groupIsFresh;

        /// <summary>The consumer group this receiver joined.</summary>
        public string GroupId { get; }

        /// <summary>The <c>group.instance.id</c> this receiver joins with (Kafka's static membership), or null for a dynamic member.</summary>
        public string? GroupInstanceId { get; private set; }

        /// <summary>Messages on this receiver's partitions it has not read yet, from its latest statistics (every 5 s); null until known.</summary>
        public long? Lag => Volatile.Read(ref _lag) is long lag && lag >= 0 ? lag : (long?)null;

        /// <summary>
        /// With <see cref="ReceiveOptions.AcknowledgeFiles"/>: the file was taken by its consumer, so its
        /// messages may be committed. Thread-safe; call it from the thread that consumed the file.
        /// </summary>
        public void Acknowledge(ReceivedFile file) => _acknowledged.Enqueue(new Acknowledgement(file, null));

        /// <summary>
        /// Runs the acknowledgements made so far now. Only on the receiver's thread, from an observer call
        /// that would otherwise wait for the consumers of files (they may be waiting for their commits).
        /// </summary>
        internal void ResolveAcknowledgedNow() => ResolveAcknowledged();

        /// <summary>
        /// Acknowledges <paramref name="file"/> with work that must commit together with the offsets this
        /// acknowledgement lets the receiver commit (the offsets its existing commit rule allows once the
        /// file's messages count as handled). The receiver runs <paramref name="commit"/> on its own thread;
        /// the file's messages count as handled only if it returns. The task fails with its exception, or
        /// is cancelled when the receiver stopped first (then nothing was committed).
        /// </summary>
        internal Task AcknowledgeWithCommit(ReceivedFile file, CommitWithOffsets commit)
        {
            var acknowledgement = new Acknowledgement(file, commit);
            lock (_acknowledging)
            {
                if (_acknowledgementsClosed)
                {
                    return Task.FromCanceled(new CancellationToken(canceled: true));
                }
                _acknowledged.Enqueue(acknowledgement);
            }
            return acknowledgement.Done!.Task;
        }

        /// <summary>
        /// Receives until <see cref="ReceiveOptions.Count"/> files arrived, nothing arrived for
        /// <see cref="ReceiveOptions.IdleTimeout"/>, or <paramref name="cancellationToken"/> fires.
        /// </summary>
        public ReceiveSummary Run(IReceiveObserver observer, CancellationToken cancellationToken)
        {
            _observer = observer;
            _running = cancellationToken;
            Stopwatch clock = _clock;
            clock.Restart();
            _received = _errors = 0;
            long messages = 0, bytes = 0;
            TimeSpan lastActivity = TimeSpan.Zero, lastCommit = TimeSpan.Zero, lastProgress = TimeSpan.Zero, lastStallCheck = TimeSpan.Zero;
            bool topicMissingReported = false;
            ReceiveStopReason reason = ReceiveStopReason.Cancelled;
            bool failed = false;
            IReadOnlyList<IncompleteFile> incomplete = Array.Empty<IncompleteFile>();
            bool slowJoinReported = false;

            ClusterMetadata metadata = KafkaConnectionProbe.Probe(_consumer, _options.Topic, _options.ConnectTimeout, _settings, Diagnostics, cancellationToken);
            // Joining a group can take up to the session timeout when a member just left; only worth
            // waiting for when there is a topic to be assigned.
            _joinAllowance = metadata.TopicExists == true ? _sessionTimeout : TimeSpan.Zero;
            DropStaticMembershipOnEmbeddedBroker();
            if (metadata.TopicExists == false)
            {
                observer.Warning($"Topic '{_options.Topic}' does not exist yet on {_settings.BootstrapServers}; waiting for it.");
                topicMissingReported = true;
            }
            _consumer.Subscribe(_options.Topic);
            try
            {
                while (true)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        reason = ReceiveStopReason.Cancelled;
                        break;
                    }
                    if (_outage.Waiting)
                    {
                        lastActivity = clock.Elapsed; // waiting for the disk is not idleness
                    }
                    if (IsIdle(lastActivity))
                    {
                        reason = ReceiveStopReason.IdleTimeout;
                        break;
                    }
                    if (_outage.TryAgain(DateTime.UtcNow) && RetryAfterOutage())
                    {
                        reason = ReceiveStopReason.CountReached;
                        break;
                    }
                    if (!slowJoinReported && _lastAssignment == null && metadata.TopicExists == true && clock.Elapsed >= SlowJoinNotice)
                    {
                        slowJoinReported = true;
                        observer.Warning($"Still waiting for the broker to give consumer group '{GroupId}' partitions of '{_options.Topic}' after {SlowJoinNotice.TotalSeconds:0} s. "
                            + $"When a member of this group left recently (an earlier run), the broker waits for it up to the session timeout ({_sessionTimeout.TotalSeconds:0} s, session.timeout.ms in [consumer]) before it rebalances.");
                    }
                    // With files waiting for their group commit, a poll does not wait: when no message is
                    // at hand the group is committed now rather than after a pause.
                    ConsumeResult<byte[], byte[]>? result = ConsumeOnce(ref topicMissingReported, _reassembler.FilesCompleting > 0 && !_outage.Waiting ? TimeSpan.Zero : PollSlice);
                    bool countReached = false;
                    if (result?.Message != null && _outage.Waiting)
                    {
                        PushBack(result); // fetched before the pause: read again when writing works
                    }
                    else if (result?.Message != null)
                    {
                        lastActivity = clock.Elapsed;
                        messages++;
                        bytes += result.Message.Value?.Length ?? 0;
                        ChunkResult outcome = Handle(result);
                        lastActivity = clock.Elapsed; // waiting for a decryption key is not idleness
                        ReportEvicted();
                        countReached = ApplyAll(_reassembler.TakeCommitted().Append(outcome)); // files of a group this chunk settled first (Reassembler.Accept)
                    }
                    if (!_outage.Waiting && _reassembler.FilesCompleting > 0 && (result?.Message == null || CommitDue()))
                    {
                        _reassembler.CommitCompleted();
                        countReached |= ApplyCommitted();
                    }
                    if (countReached)
                    {
                        reason = ReceiveStopReason.CountReached;
                        break;
                    }
                    if (clock.Elapsed - lastStallCheck >= StallCheckInterval)
                    {
                        _errors += AbandonStalledFiles();
                        lastStallCheck = clock.Elapsed;
                    }
                    if (clock.Elapsed - lastCommit >= CommitInterval)
                    {
                        PersistProgress();
                        ResolveAcknowledged();
                        Commit();
                        lastCommit = clock.Elapsed;
                    }
                    if (clock.Elapsed - lastProgress >= ProgressInterval)
                    {
                        observer.Progress(new ReceiveProgress(messages, bytes, _received, _reassembler.FilesInProgress, Lag));
                        if (Diagnostics.Reachability.TakeNews(_settings.BootstrapServers!, DateTime.UtcNow) is string news)
                        {
                            observer.Warning(news);
                        }
                        lastProgress = clock.Elapsed;
                    }
                }
            }
            catch
            {
                failed = true;
                ResolveAcknowledged();
                throw;
            }
            finally
            {
                if (!failed && !_outage.Waiting)
                {
                    // Files verified and waiting for their group are complete: made durable and reported
                    // before the end, also at Ctrl+C.
                    _reassembler.CommitCompleted();
                    ApplyCommitted();
                }
                if (reason == ReceiveStopReason.CountReached || reason == ReceiveStopReason.IdleTimeout)
                {
                    WaitForAcknowledgements(cancellationToken);
                }
                ResolveAcknowledged();
                Commit();
                _closing = true;
                incomplete = _reassembler.Incomplete(); // files left in progress stay with this receiver until it is disposed
                try
                {
                    _consumer.Close();
                }
                catch (KafkaException ex) when (ex.Error.IsFatal)
                {
                    // The consumer already failed for good (a fenced static member): that error, thrown from the
                    // loop, is the one to report, not this repetition of it.
                }
                CloseAcknowledgements();
                observer.Progress(new ReceiveProgress(messages, bytes, _received, _reassembler.FilesInProgress, Lag));
            }
            var summary = new ReceiveSummary(_received, _errors, messages, bytes, clock.Elapsed, reason, incomplete);
            if (reason != ReceiveStopReason.Cancelled && summary.DescribeIncomplete(Resumable, _options.OutputDirectory) is string warning)
            {
                observer.Warning(warning); // a run that ends by a count or an idle timeout never drops files silently
            }
            return summary;
        }

        /// <summary>
        /// Whether the files waiting for their group commit go now: the group is full or has waited long
        /// enough, or it holds as many files as are still to be received (a group never goes past --count).
        /// </summary>
        private bool CommitDue() =>
            _reassembler.CommitDue(DateTime.UtcNow) || (_options.Count.HasValue && _received + _reassembler.FilesCompleting >= _options.Count.Value);

        /// <summary>Passes on what the files made durable since the last call led to; true when <see cref="ReceiveOptions.Count"/> files have arrived.</summary>
        private bool ApplyCommitted() => ApplyAll(_reassembler.TakeCommitted());

        /// <summary>
        /// Passes on what several files led to (a group commit, a retry after a pause): all of them, since
        /// each file received is in place and recorded and must be reported; then one pause for those the
        /// output blocked. Blocked ones come last: a file received ends a pause (<see cref="Apply"/>), and
        /// must not end the one its own group just began. True when <see cref="ReceiveOptions.Count"/>
        /// files have arrived.
        /// </summary>
        private bool ApplyAll(IEnumerable<ChunkResult> outcomes)
        {
            bool reached = false;
            List<OpenMsiStreamException>? blocked = null;
            foreach (ChunkResult outcome in outcomes)
            {
                if (outcome.Kind == ChunkResultKind.Blocked)
                {
                    (blocked ??= new List<OpenMsiStreamException>()).Add(outcome.Error!);
                }
                else
                {
                    reached |= Apply(outcome);
                }
            }
            if (blocked != null)
            {
                Block(blocked);
            }
            return reached;
        }

        /// <summary>
        /// Before joining (nothing to leave yet): on the embedded broker, which does not implement static
        /// membership, a consumer with a default instance id is rebuilt as a dynamic member.
        /// </summary>
        private void DropStaticMembershipOnEmbeddedBroker()
        {
            if (GroupInstanceId == null
                || !StaticMembership.DropForEmbeddedBroker(_properties, () => ClusterIdentity.IsEmbeddedBroker(ClusterIdentity.Read(_settings, _options.ConnectTimeout))))
            {
                return;
            }
            _consumer.Dispose();
            _consumer = KafkaClientFactory.BuildConsumer(_properties, Diagnostics, onAssigned: OnAssigned, onRevoked: OnRevoked, onStatistics: _onStatistics);
            Diagnostics.Publish(DiagnosticLevel.Info, "receiver",
                $"The embedded broker does not implement static group membership: joining group '{GroupId}' as a dynamic member, not as '{GroupInstanceId}'.");
            GroupInstanceId = null;
        }

        /// <summary>Passes on what a message (or a retry) led to; true when <see cref="ReceiveOptions.Count"/> files have arrived.</summary>
        private bool Apply(ChunkResult outcome)
        {
            if (outcome.Kind == ChunkResultKind.Blocked)
            {
                Block(new[] { outcome.Error! });
                return false;
            }
            if (outcome.File != null && _options.AcknowledgeFiles)
            {
                _awaitingAcknowledgement[outcome.File] = outcome.Resolved;
            }
            else
            {
                _offsets.Resolve(outcome.Resolved);
            }
            if (outcome.Warning != null)
            {
                _observer!.Warning(outcome.Warning);
            }
            if (outcome.Error != null)
            {
                _errors++;
                _observer!.Error(outcome.Error);
            }
            if (outcome.File == null)
            {
                return false;
            }
            if (_outage.End(DateTime.UtcNow) is TimeSpan lasted)
            {
                _observer!.Warning($"Writing to '{_options.OutputDirectory}' works again after {lasted.TotalSeconds:0} s; receiving goes on.");
            }
            _received++;
            _observer!.FileReceived(outcome.File);
            return _options.Count.HasValue && _received >= _options.Count.Value;
        }

        /// <summary>
        /// The output cannot be written (a full disk, a permission): report it (once per file while it
        /// lasts), stop taking messages, and go back to the oldest one not yet handled in every partition,
        /// so that nothing is skipped when writing works again.
        /// </summary>
        private void Block(IReadOnlyList<OpenMsiStreamException> errors)
        {
            foreach (OpenMsiStreamException error in errors)
            {
                if (_outage.IsNew(error.Target?.ToString() ?? error.Message))
                {
                    _errors++;
                    _observer!.Error(error);
                }
            }
            _outage.Fail(DateTime.UtcNow); // once for them all: the delay before the next try grows per try, not per file
            List<TopicPartition> assigned = _consumer.Assignment;
            _consumer.Pause(assigned);
            foreach (TopicPartition partition in assigned)
            {
                if (_offsets.OldestPending(partition.Partition.Value) is long oldest)
                {
                    _consumer.Seek(new TopicPartitionOffset(partition, new Offset(oldest)));
                }
            }
        }

        /// <summary>A message that arrived while paused: its partition goes back to it, or to an older message not yet handled.</summary>
        private void PushBack(ConsumeResult<byte[], byte[]> result)
        {
            long oldest = _offsets.OldestPending(result.Partition.Value) is long pending && pending < result.Offset.Value ? pending : result.Offset.Value;
            _consumer.Seek(new TopicPartitionOffset(result.TopicPartition, new Offset(oldest)));
        }

        /// <summary>Resumes after a pause for the output, first finishing what was put off; true when the count is reached.</summary>
        private bool RetryAfterOutage()
        {
            _consumer.Resume(_consumer.Assignment);
            return ApplyAll(_reassembler.RetryBlocked());
        }

        /// <summary>Records the chunks stored since the last time; a full disk pauses receiving like a failed write.</summary>
        private void PersistProgress()
        {
            try
            {
                _reassembler.Persist();
            }
            catch (Exception ex) when (RetryableOutputFailure.Is(ex))
            {
                Block(new[] { new OpenMsiStreamException(ErrorIds.OutputWriteFailed, ErrorKind.WriteError,
                    $"Could not record the files in progress in '{_options.OutputDirectory}': {RetryableOutputFailure.Describe(ex)} Receiving pauses and tries again until writing works; nothing is lost meanwhile.",
                    ex, _options.OutputDirectory) });
            }
        }

        /// <summary>
        /// Closes the consumer. With a fixed group, files in progress stay staged in the output directory
        /// for the next run of that group; a new group of its own (no -GroupId) cannot be resumed, so its
        /// files in progress are removed.
        /// </summary>
        public void Dispose()
        {
            CloseAcknowledgements();
            _consumer.Dispose();
            _cryptoNode?.Release();
            if (_groupIsFresh)
            {
                _reassembler.DiscardAll();
            }
            _reassembler.Dispose();
            _directory?.Cleanup();
        }

        private TimeSpan StallCheckInterval => _options.StalledFileTimeout < MaxStallCheckInterval + MaxStallCheckInterval
            ? TimeSpan.FromTicks(_options.StalledFileTimeout.Ticks / 2)
            : MaxStallCheckInterval;

        private void ResolveAcknowledged()
        {
            while (_acknowledged.TryDequeue(out Acknowledgement? acknowledgement))
            {
                ReceivedFile file = acknowledgement.File;
                _awaitingAcknowledgement.TryGetValue(file, out IReadOnlyList<MessagePosition>? positions);
                if (acknowledgement.Commit != null && !CommitWith(acknowledgement, positions ?? Array.Empty<MessagePosition>()))
                {
                    continue; // nothing committed: the file's messages stay unhandled until it is acknowledged again
                }
                if (positions != null)
                {
                    _awaitingAcknowledgement.Remove(file);
                    _offsets.Resolve(positions);
                }
            }
        }

        /// <summary>Runs an acknowledgement's work with the offsets its file lets the receiver commit; false when it failed.</summary>
        private bool CommitWith(Acknowledgement acknowledgement, IReadOnlyList<MessagePosition> positions)
        {
            IReadOnlyList<KeyValuePair<int, long>> committable = _offsets.CommittableAfter(positions);
            try
            {
                acknowledgement.Commit!(ToTopicPartitionOffsets(committable), _consumer.ConsumerGroupMetadata);
            }
            catch (Exception ex)
            {
                acknowledgement.Done!.TrySetException(ex);
                return false;
            }
            _offsets.MarkCommitted(committable);
            acknowledgement.Done!.TrySetResult(true);
            return true;
        }

        /// <summary>After the consumer closed: work acknowledged from now on (or not yet run) is not committed.</summary>
        private void CloseAcknowledgements()
        {
            lock (_acknowledging)
            {
                _acknowledgementsClosed = true;
            }
            while (_acknowledged.TryDequeue(out Acknowledgement? acknowledgement))
            {
                acknowledgement.Done?.TrySetCanceled();
            }
        }

        private List<TopicPartitionOffset> ToTopicPartitionOffsets(IEnumerable<KeyValuePair<int, long>> offsets) =>
            offsets.Select(c => new TopicPartitionOffset(_options.Topic, new Partition(c.Key), new Offset(c.Value))).ToList();

        /// <summary>At a normal end, files already handed out are committed once their consumer took them.</summary>
        private void WaitForAcknowledgements(CancellationToken cancellationToken)
        {
            while (_awaitingAcknowledgement.Count > 0 && !cancellationToken.IsCancellationRequested)
            {
                ResolveAcknowledged();
                if (_awaitingAcknowledgement.Count > 0)
                {
                    cancellationToken.WaitHandle.WaitOne(20);
                }
            }
        }

        /// <summary>Files given up because too many were in progress: reported, and their messages committed.</summary>
        private void ReportEvicted()
        {
            (IReadOnlyList<OpenMsiStreamException> evicted, IReadOnlyList<MessagePosition> resolved) = _reassembler.TakeEvicted();
            _offsets.Resolve(resolved);
            foreach (OpenMsiStreamException error in evicted)
            {
                _errors++;
                _observer!.Error(error);
            }
        }

        private int AbandonStalledFiles()
        {
            (IReadOnlyList<OpenMsiStreamException> stalled, IReadOnlyList<MessagePosition> resolved) = _reassembler.AbandonStalled(_options.StalledFileTimeout);
            _offsets.Resolve(resolved);
            foreach (OpenMsiStreamException error in stalled)
            {
                _observer!.Error(error);
            }
            return stalled.Count;
        }

        /// <summary>
        /// Idle means no message for <see cref="ReceiveOptions.IdleTimeout"/> since the last message or
        /// partition assignment. Until the group first assigns partitions of an existing topic, joining
        /// may take up to the session timeout (a broker waits that long for a member that just left), so
        /// that is allowed too.
        /// </summary>
        private bool IsIdle(TimeSpan lastActivity)
        {
            if (!_options.IdleTimeout.HasValue)
            {
                return false;
            }
            TimeSpan since = _lastAssignment.HasValue && _lastAssignment.Value > lastActivity ? _lastAssignment.Value : lastActivity;
            TimeSpan allowance = _lastAssignment.HasValue ? TimeSpan.Zero : _joinAllowance;
            return _clock.Elapsed - since >= _options.IdleTimeout.Value + allowance;
        }

        private void OnAssigned(IConsumer<byte[], byte[]> consumer, List<TopicPartition> assigned)
        {
            _lastAssignment = _clock.Elapsed;
            Diagnostics.Publish(DiagnosticLevel.Info, "receiver",
                $"Assigned partitions [{string.Join(", ", assigned.Select(p => p.Partition.Value).OrderBy(p => p))}] of topic '{_options.Topic}' in group '{GroupId}'"
                + (GroupInstanceId == null ? "." : $" as static member '{GroupInstanceId}'."));
        }

        private ConsumeResult<byte[], byte[]>? ConsumeOnce(ref bool topicMissingReported, TimeSpan timeout)
        {
            try
            {
                return _consumer.Consume(timeout);
            }
            catch (ConsumeException ex) when (!ex.Error.IsFatal && (ex.Error.Code == ErrorCode.UnknownTopicOrPart || ex.Error.Code == ErrorCode.Local_UnknownTopic))
            {
                if (!topicMissingReported)
                {
                    _observer!.Warning($"Topic '{_options.Topic}' does not exist yet on {_settings.BootstrapServers}; waiting for it.");
                    topicMissingReported = true;
                }
                return null;
            }
            catch (ConsumeException ex) when (GroupInstanceId != null && IsFenced(ex.Error))
            {
                throw new OpenMsiStreamException(ErrorIds.StaticMemberFenced, ErrorKind.InvalidOperation,
                    $"Another consumer joined group '{GroupId}' with the same group.instance.id '{GroupInstanceId}', so the broker took this one's partitions ({ex.Error.Reason}). "
                    + "Two programs run with the same program id: give each its own --program-id / -ProgramId (or its own group.instance.id in [consumer]).",
                    new KafkaException(ex.Error), GroupInstanceId);
            }
            catch (ConsumeException ex)
            {
                throw KafkaErrors.From(ex.Error, $"Reading topic '{_options.Topic}'", _settings, Diagnostics, _options.Topic);
            }
        }

        /// <summary>librdkafka reports a fenced static member as a fatal error whose reason names it.</summary>
        private static bool IsFenced(Error error) =>
            error.Code == ErrorCode.FencedInstanceId
            || (error.IsFatal && error.Reason.IndexOf("fenced", StringComparison.OrdinalIgnoreCase) >= 0);

        private ChunkResult Handle(ConsumeResult<byte[], byte[]> result)
        {
            try
            {
                return Rebuild(result);
            }
            catch (Exception ex) when (RetryableOutputFailure.Is(ex))
            {
                // Keeping a bad or undecryptable message failed (a full disk): it is read again later.
                return ChunkResult.Blocked(new OpenMsiStreamException(ErrorIds.OutputWriteFailed, ErrorKind.WriteError,
                    $"Could not keep the message at topic '{_options.Topic}', partition {result.Partition.Value}, offset {result.Offset.Value}: {RetryableOutputFailure.Describe(ex)} Receiving pauses and tries again until writing works.",
                    ex, _options.OutputDirectory));
            }
        }

        private ChunkResult Rebuild(ConsumeResult<byte[], byte[]> result)
        {
            Timestamp timestamp = result.Message.Timestamp;
            var position = new MessagePosition(result.Partition.Value, result.Offset.Value,
                timestamp.Type == TimestampType.NotAvailable ? (DateTime?)null : timestamp.UtcDateTime);
            _offsets.Begin(position);
            byte[]? value = result.Message.Value;
            if (_decryptor != null)
            {
                DecryptedMessage decrypted = _decryptor.Decrypt(_options.Topic, result.Message.Key, value, _running);
                if (!decrypted.Succeeded)
                {
                    return Undecryptable(decrypted.Failure!, result, position);
                }
                value = decrypted.Value;
            }
            DataFileChunk chunk;
            try
            {
                // The file's SHA-512 covers every byte; the chunk hashes are checked when it fails, to name the bad chunk.
                chunk = ChunkMessageDeserializer.DeserializeForFileCheck(value ?? Array.Empty<byte>());
            }
            catch (OpenMsiStreamException error)
            {
                return ChunkResult.Failed(Quarantined(error, result, position), new[] { position });
            }
            if (_options.Filter != null && !_options.Filter.IsMatch(chunk.RelativePath))
            {
                return ChunkResult.Skipped(position);
            }
            FileMetadata? metadata = ReadMetadata(result.Message.Headers, chunk.RelativePath);
            ChunkResult outcome = _reassembler.Accept(chunk, position, metadata);
            if (outcome.Error?.ErrorId == ErrorIds.UnsafePath
                || (outcome.BadMessage is MessagePosition bad && bad.Partition == position.Partition && bad.Offset == position.Offset))
            {
                return ChunkResult.Failed(Quarantined(outcome.Error!, result, position), outcome.Resolved);
            }
            return outcome;
        }

        /// <summary>
        /// The file's metadata header (<see cref="FileMetadata"/>); one that is not a JSON object of strings
        /// or too large is left out with a warning, once per file, and the file is received without it.
        /// </summary>
        private FileMetadata? ReadMetadata(Headers? headers, string relativePath)
        {
            if (headers == null || !headers.TryGetLastBytes(FileMetadata.HeaderName, out byte[] header))
            {
                return null;
            }
            FileMetadata? metadata = FileMetadata.Read(header);
            if (metadata == null && _badMetadataReported.Add(relativePath))
            {
                if (_badMetadataReported.Count > 10_000)
                {
                    _badMetadataReported.Clear();
                }
                _observer!.Warning($"The metadata of '{relativePath}' is not a JSON object of strings of at most {FileMetadata.MaxBytes} bytes; the file is received without it.");
            }
            return metadata;
        }

        /// <summary>
        /// A message that could not be decrypted is kept (OpenMSIStream's ENCRYPTED_MESSAGES layout) and
        /// reported; once kept, it counts as handled, so it neither blocks the commits of its partition nor
        /// is retried forever. Send-MsiUndecryptableMessage puts it back on the topic later.
        /// </summary>
        private ChunkResult Undecryptable(string failure, ConsumeResult<byte[], byte[]> result, MessagePosition position)
        {
            string where = $"topic '{_options.Topic}', {position}";
            string message = $"A message could not be decrypted by KafkaCrypto node '{_cryptoNode!.NodeId}' ({failure}; message at {where}";
            if (_running.IsCancellationRequested)
            {
                // Stopping: leave it uncommitted so that the next run tries it again.
                return ChunkResult.Failed(new OpenMsiStreamException(ErrorIds.UndecryptableMessage, ErrorKind.InvalidData, message + ", not committed)."), Array.Empty<MessagePosition>());
            }
            if (_undecryptableDirectory == null)
            {
                return ChunkResult.Failed(new OpenMsiStreamException(ErrorIds.UndecryptableMessage, ErrorKind.InvalidData,
                    message + "; not saved: give -OutputDirectory to keep undecryptable messages)."), new[] { position });
            }
            string kept = UndecryptableMessageStore.Save(_undecryptableDirectory, _options.Topic, result.Message.Key, result.Message.Value, result.Message.Timestamp);
            return ChunkResult.Failed(new OpenMsiStreamException(ErrorIds.UndecryptableMessage, ErrorKind.InvalidData,
                message + $", kept in '{kept}'). Send it again with Send-MsiUndecryptableMessage once its producer can hand out the key.", target: kept), new[] { position });
        }

        private OpenMsiStreamException Quarantined(OpenMsiStreamException error, ConsumeResult<byte[], byte[]> result, MessagePosition position)
        {
            string where = $"topic '{_options.Topic}', {position}";
            if (_quarantine == null)
            {
                return new OpenMsiStreamException(error.ErrorId, error.Kind, $"{error.Message} (message at {where})", error.InnerException, error.Target);
            }
            string kept = _quarantine.Keep(_options.Topic, position, result.Message.Key, result.Message.Value, error.Message);
            return new OpenMsiStreamException(error.ErrorId, error.Kind, $"{error.Message} (message at {where}, kept in '{kept}')", error.InnerException, error.Target);
        }

        private void Commit()
        {
            IReadOnlyList<KeyValuePair<int, long>> committable = _offsets.Committable();
            if (committable.Count == 0)
            {
                return;
            }
            try
            {
                if (_options.OffsetCommitter != null)
                {
                    _options.OffsetCommitter.Commit(ToTopicPartitionOffsets(committable), _consumer.ConsumerGroupMetadata);
                }
                else
                {
                    _consumer.Commit(ToTopicPartitionOffsets(committable));
                }
                _offsets.MarkCommitted(committable);
            }
            catch (KafkaException ex)
            {
                _observer?.Warning($"Could not commit offsets for topic '{_options.Topic}' ({ex.Error.Reason}); messages since the last commit may be read again.");
            }
        }

        private void OnRevoked(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> revoked)
        {
            Diagnostics.Publish(DiagnosticLevel.Info, "receiver",
                $"Partitions [{string.Join(", ", revoked.Select(p => p.Partition.Value).OrderBy(p => p))}] of topic '{_options.Topic}' revoked{(_closing ? " (closing)" : " by a rebalance of group '" + GroupId + "'")}.");
            if (!_outage.Waiting && _observer != null)
            {
                _reassembler.CommitCompleted(); // complete files of these partitions: in place and committed before they go
                ApplyCommitted();
            }
            Commit();
            var partitions = new HashSet<int>(revoked.Select(r => r.Partition.Value));
            _offsets.Forget(partitions);
            if (_closing)
            {
                return; // files in progress stay with this receiver until it is disposed (staged for the next run, or dropped)
            }
            int abandoned = _reassembler.AbandonPartitions(partitions);
            if (abandoned > 0)
            {
                _observer?.Warning($"{abandoned} file(s) in progress moved to another consumer of group '{GroupId}' after a rebalance.");
            }
        }

        private static string ResolveGroupId(KafkaSettings settings, string? requested, out bool fresh)
        {
            string? fixedGroup = FixedGroupId(settings, requested);
            fresh = fixedGroup == null;
            return fixedGroup ?? "openmsistream-" + Guid.NewGuid().ToString("N");
        }

        /// <summary>
        /// The group a receiver joins when it is not a new one of its own: the one asked for, else the
        /// config file's [consumer] group.id (OpenMSIStream's "create_new" means a new one); null when
        /// it gets a new group at every start. Also read by <see cref="Services.ServiceConsumer"/>.
        /// </summary>
        internal static string? FixedGroupId(KafkaSettings? settings, string? requested)
        {
            if (!string.IsNullOrWhiteSpace(requested))
            {
                return requested!;
            }
            string? configured = settings?.Find(KafkaSettings.ConsumerSection, "group.id")?.Value;
            return !string.IsNullOrWhiteSpace(configured) && configured != "create_new" ? configured : null;
        }

        private sealed class Acknowledgement
        {
            public Acknowledgement(ReceivedFile file, CommitWithOffsets? commit)
            {
                File = file;
                Commit = commit;
                Done = commit == null ? null : new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            public ReceivedFile File { get; }

            public CommitWithOffsets? Commit { get; }

            public TaskCompletionSource<bool>? Done { get; }
        }
    }
}
