using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Runtime;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Messaging;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// Consumes a topic of chunk messages as a member of a consumer group and rebuilds the files,
    /// reporting each verified file as soon as it is complete. Offsets are committed by hand, and only
    /// up to the oldest message whose file is not yet handled. This class owns the consumer and its
    /// loop (<see cref="Run"/>, on the caller's thread, the consume thread: it and the rebalance
    /// callbacks, which run inside its polls, own all the bookkeeping) and composes the parts:
    /// <see cref="ChunkMessageHandler"/> (a message → a <see cref="ChunkResult"/>),
    /// <see cref="OutcomeReporter"/> (results → offsets, observer, counts, <see cref="OutputOutage"/>;
    /// a group of completed files is made durable on a worker thread, <see cref="Reassembler.BeginCommit"/>,
    /// and what it led to comes back to the consume thread),
    /// <see cref="AcknowledgementQueue"/> (the front end's acknowledgements, from its threads),
    /// <see cref="GroupOffsetCommitter"/> (with <see cref="OffsetTracker"/>) and <see cref="ReceiveTimers"/>.
    /// </summary>
    public sealed class FileReceiver : IDisposable
    {
        private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(100);

        /// <summary>Poll slice while a group is being made durable on a worker thread: how late its files may be reported after it is in place.</summary>
        private static readonly TimeSpan DeliveryPollSlice = TimeSpan.FromMilliseconds(5);

        private readonly KafkaSettings _settings;
        private readonly ReceiveOptions _options;
        private IConsumer<byte[], byte[]> _consumer;
        private readonly ClientPropertySet _properties;
        private readonly Action<string> _onStatistics;
        private readonly Action<CommittedOffsets> _onCommitted;
        private readonly Reassembler _reassembler;
        private readonly DirectoryTarget? _directory;
        private readonly OffsetTracker _offsets = new OffsetTracker();
        private readonly TimeSpan _sessionTimeout;
        private readonly bool _groupIsFresh;
        private readonly ReceiveTimers _timers;
        private IRunObserver<ReceivedFile, ReceiveProgress>? _observer;
        private readonly ConsumerDecryption? _decryptor;
        private readonly string? _undecryptableDirectory;
        private long _lag = -1;

        /// <summary>Set while the consumer closes: its partitions are revoked, but not because another member takes them.</summary>
        private bool _closing;
        private readonly OutputOutage _outage;
        private readonly GroupOffsetCommitter _commits;
        private readonly AcknowledgementQueue _acknowledgements;
        private readonly ChunkMessageHandler _chunks;
        private readonly OutcomeReporter _outcomes;

        public FileReceiver(KafkaSettings settings, ReceiveOptions options, ClientDiagnostics? diagnostics = null)
        {
            TopicName.Validate(options.Topic);
            _settings = settings;
            _options = options;
            Diagnostics = diagnostics ?? new ClientDiagnostics();
            GroupId = ResolveGroupId(settings, options.GroupId, out _groupIsFresh);
            ClientPropertySet properties = KafkaClientFactory.ConsumerProperties(settings, GroupId);
            GroupInstanceId = StaticMembership.Apply(properties, options.ProgramId, _groupIsFresh);
            GroupOffsetCommitter.PrepareConsumer(properties, options.OffsetCommitter);
            _properties = properties;
            bool readCommitted = !string.Equals(properties["isolation.level"], "read_uncommitted", StringComparison.OrdinalIgnoreCase);
            _onStatistics = json => Volatile.Write(ref _lag, ConsumerStatistics.Lag(json, options.Topic, readCommitted) ?? -1);
            _onCommitted = committed => OnCommitted(committed);
            _sessionTimeout = TimeSpan.FromMilliseconds(KafkaClientFactory.SessionTimeoutMs(properties));
            ReassemblyTarget target;
            Quarantine? quarantine = null;
            if (options.OutputDirectory != null)
            {
                _directory = new DirectoryTarget(options.OutputDirectory, options.Topic, GroupId, delivering: options.Delivering);
                quarantine = new Quarantine(_directory.QuarantineDirectory);
                target = _directory;
            }
            else
            {
                target = new MemoryTarget(options.MaxMemoryFileSize);
            }
            _reassembler = new Reassembler(target, options.Topic, options.MaxFileSize, options.MaxFilesInProgress, options.MaxBytesInProgress,
                groupCommit: _directory != null);
            _decryptor = SecureMessaging.Decryption(settings, Diagnostics, options.Decryption);
            try
            {
                if (_decryptor != null)
                {
                    _undecryptableDirectory = options.OutputDirectory != null
                        ? System.IO.Path.Combine(options.OutputDirectory, UndecryptableMessageStore.DirectoryName)
                        : options.UndecryptableDirectory;
                }
                _consumer = KafkaClientFactory.BuildConsumer(properties, Diagnostics, onAssigned: OnAssigned, onRevoked: OnRevoked, onStatistics: _onStatistics, onCommitted: _onCommitted);
            }
            catch
            {
                _decryptor?.Dispose();
                throw;
            }
            _timers = new ReceiveTimers(options.IdleTimeout, options.StalledFileTimeout);
            _outage = new OutputOutage(() => _consumer, _offsets);
            _commits = new GroupOffsetCommitter(options.Topic, _offsets, options.OffsetCommitter, () => _consumer, Diagnostics.Reachability);
            _acknowledgements = new AcknowledgementQueue(_offsets, _commits);
            _outcomes = new OutcomeReporter(options, _reassembler, _offsets, _acknowledgements, _outage);
            _chunks = new ChunkMessageHandler(options, _offsets, _reassembler, quarantine, _decryptor, _undecryptableDirectory);
        }

        /// <summary>The KafkaCrypto node decrypting this receiver's messages, or null when they are not encrypted.</summary>
        public string? CryptoNodeId => _decryptor?.NodeId;

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
        public void Acknowledge(ReceivedFile file) => _acknowledgements.Acknowledge(file);

        /// <summary>
        /// Runs the acknowledgements made so far now. Only on the receiver's thread, from an observer call
        /// that would otherwise wait for the consumers of files (they may be waiting for their commits).
        /// </summary>
        internal void ResolveAcknowledgedNow() => _acknowledgements.Resolve();

        /// <summary>
        /// Acknowledges <paramref name="file"/> with work that must commit together with the offsets this
        /// acknowledgement lets the receiver commit (the offsets its existing commit rule allows once the
        /// file's messages count as handled). The receiver runs <paramref name="commit"/> on its own thread;
        /// the file's messages count as handled only if it returns. The task fails with its exception, or
        /// is cancelled when the receiver stopped first (then nothing was committed).
        /// </summary>
        internal Task AcknowledgeWithCommit(ReceivedFile file, CommitWithOffsets commit) => _acknowledgements.AcknowledgeWithCommit(file, commit);

        /// <summary>
        /// Receives until <see cref="ReceiveOptions.Count"/> files arrived, nothing arrived for
        /// <see cref="ReceiveOptions.IdleTimeout"/>, or <paramref name="cancellationToken"/> fires.
        /// </summary>
        public ReceiveSummary Run(IRunObserver<ReceivedFile, ReceiveProgress> observer, CancellationToken cancellationToken)
        {
            _observer = observer;
            _chunks.Start(observer, cancellationToken);
            _outcomes.Start(observer);
            _timers.Start();
            long messages = 0, bytes = 0;
            bool topicMissingReported = false;
            ReceiveStopReason reason = ReceiveStopReason.Cancelled;
            bool failed = false;
            IReadOnlyList<IncompleteFile> incomplete = Array.Empty<IncompleteFile>();

            ClusterMetadata metadata = KafkaConnectionProbe.Probe(_consumer, _options.Topic, _options.ConnectTimeout, _settings, Diagnostics, cancellationToken);
            if (metadata.TopicExists == true)
            {
                _timers.TopicExists(_sessionTimeout);
            }
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
                        _timers.Activity(); // waiting for the disk is not idleness
                    }
                    if (_timers.IsIdle)
                    {
                        reason = ReceiveStopReason.IdleTimeout;
                        break;
                    }
                    if (_outage.TryAgain(DateTime.UtcNow) && _outcomes.ApplyAll(_reassembler.RetryBlocked())) // resumed after a pause for the output, first finishing what was put off
                    {
                        reason = ReceiveStopReason.CountReached;
                        break;
                    }
                    if (_timers.SlowJoinNoticeDue())
                    {
                        observer.Warning($"Still waiting for the broker to give consumer group '{GroupId}' partitions of '{_options.Topic}' after {ReceiveTimers.SlowJoinNotice.TotalSeconds:0} s. "
                            + $"When a member of this group left recently (an earlier run), the broker waits for it up to the session timeout ({_sessionTimeout.TotalSeconds:0} s, session.timeout.ms in [consumer]) before it rebalances.");
                    }
                    ConsumeResult<byte[], byte[]>? result = ConsumeOnce(ref topicMissingReported, NextPollTimeout());
                    bool countReached = false;
                    if (result?.Message != null && _outage.Waiting)
                    {
                        _outage.PushBack(result); // fetched before the pause: read again when writing works
                    }
                    else if (result?.Message != null)
                    {
                        _timers.Activity();
                        messages++;
                        bytes += result.Message.Value?.Length ?? 0;
                        ChunkResult outcome = _chunks.Handle(result);
                        _timers.Activity(); // waiting for a decryption key is not idleness
                        _outcomes.ReportGivenUp(_reassembler.TakeEvicted()); // files given up because too many were in progress
                        countReached = _outcomes.ApplyAll(_reassembler.TakeCommitted().Append(outcome)); // files of a group this chunk settled first (Reassembler.Accept)
                    }
                    if (!_outage.Waiting)
                    {
                        if (_reassembler.FilesCompleting > 0 && (result?.Message == null || _outcomes.GroupCommitDue()))
                        {
                            // Made durable on a worker thread while this one reads on (after the group before it is passed on).
                            countReached |= _outcomes.BeginCommit();
                        }
                        else if (result?.Message == null && _reassembler.FilesDelivering > 0)
                        {
                            countReached |= _outcomes.TakeDelivered(); // nothing to read: report the group on its way as soon as it is in place
                        }
                    }
                    if (countReached)
                    {
                        reason = ReceiveStopReason.CountReached;
                        break;
                    }
                    if (_timers.StallCheckDue)
                    {
                        _outcomes.ReportGivenUp(_reassembler.AbandonStalled(_options.StalledFileTimeout));
                        _timers.StallChecked();
                    }
                    if (_timers.CommitDue)
                    {
                        _outcomes.PersistProgress();
                        _acknowledgements.Resolve();
                        _commits.Commit(observer);
                        _timers.Committed();
                    }
                    if (_timers.ProgressDue)
                    {
                        observer.Progress(new ReceiveProgress(messages, bytes, _outcomes.Received, _reassembler.FilesInProgress, Lag));
                        if (Diagnostics.Reachability.TakeNews(_settings.BootstrapServers!, DateTime.UtcNow) is string news)
                        {
                            observer.Warning(news);
                        }
                        _timers.ProgressReported();
                    }
                }
            }
            catch
            {
                failed = true;
                _acknowledgements.Resolve();
                throw;
            }
            finally
            {
                if (!failed && !_outage.Waiting)
                {
                    // Files verified and waiting for their group are complete: made durable and reported
                    // before the end, also at Ctrl+C.
                    _outcomes.CommitCompleted();
                }
                else if (!failed)
                {
                    // Paused for the output: the group already on its way finishes, and its files that
                    // went into place are reported; the waiting ones are read again by the next run.
                    _reassembler.FinishDelivery();
                    _outcomes.TakeDelivered();
                }
                if (reason == ReceiveStopReason.CountReached || reason == ReceiveStopReason.IdleTimeout)
                {
                    _acknowledgements.WaitForAll(cancellationToken);
                }
                _acknowledgements.Resolve();
                _commits.Commit(observer);
                _closing = true;
                incomplete = _reassembler.Incomplete(); // files left in progress stay with this receiver until it is disposed
                try
                {
                    // With every broker down, closing would wait for the group coordinator to commit and
                    // leave: nothing can be committed, and the broker drops this member after its session
                    // timeout. Dispose then releases the consumer without waiting.
                    if (!Diagnostics.Reachability.AllBrokersDown)
                    {
                        _consumer.Close();
                    }
                }
                catch (KafkaException ex) when (ex.Error.IsFatal)
                {
                    // The consumer already failed for good (a fenced static member): that error, thrown from the
                    // loop, is the one to report, not this repetition of it.
                }
                _acknowledgements.Close();
                observer.Progress(new ReceiveProgress(messages, bytes, _outcomes.Received, _reassembler.FilesInProgress, Lag));
            }
            var summary = new ReceiveSummary(_outcomes.Received, _outcomes.Errors, messages, bytes, _timers.Elapsed, reason, incomplete);
            if (reason != ReceiveStopReason.Cancelled && summary.DescribeIncomplete(Resumable, _options.OutputDirectory) is string warning)
            {
                observer.Warning(warning); // a run that ends by a count or an idle timeout never drops files silently
            }
            return summary;
        }

        /// <summary>
        /// How long a poll may wait for a message. With files waiting for their group commit it does not
        /// wait: when no message is at hand the group goes now rather than after a pause. With a group on its
        /// way to disk it waits briefly, so that group is reported soon after it is in place.
        /// </summary>
        private TimeSpan NextPollTimeout()
        {
            if (_outage.Waiting)
            {
                return PollSlice;
            }
            if (_reassembler.FilesCompleting > 0)
            {
                return TimeSpan.Zero;
            }
            return _reassembler.FilesDelivering > 0 ? DeliveryPollSlice : PollSlice;
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
            _consumer = KafkaClientFactory.BuildConsumer(_properties, Diagnostics, onAssigned: OnAssigned, onRevoked: OnRevoked, onStatistics: _onStatistics, onCommitted: _onCommitted);
            Diagnostics.Publish(DiagnosticLevel.Info, "receiver",
                $"The embedded broker does not implement static group membership: joining group '{GroupId}' as a dynamic member, not as '{GroupInstanceId}'.");
            GroupInstanceId = null;
        }

        /// <summary>
        /// Closes the consumer. With a fixed group, files in progress stay staged in the output directory
        /// for the next run of that group; a new group of its own (no -GroupId) cannot be resumed, so its
        /// files in progress are removed.
        /// </summary>
        public void Dispose()
        {
            _acknowledgements.Close();
            _consumer.Dispose();
            _decryptor?.Dispose();
            if (_groupIsFresh)
            {
                _reassembler.DiscardAll();
            }
            _reassembler.Dispose();
            _directory?.Cleanup();
        }

        private void OnAssigned(IConsumer<byte[], byte[]> consumer, List<TopicPartition> assigned)
        {
            _timers.Assigned();
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
                throw new OpenMsiStreamException(ErrorIds.StaticMemberFenced,
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

        private void OnCommitted(CommittedOffsets committed) => _commits.Committed(committed, _observer);

        private void OnRevoked(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> revoked)
        {
            Diagnostics.Publish(DiagnosticLevel.Info, "receiver",
                $"Partitions [{string.Join(", ", revoked.Select(p => p.Partition.Value).OrderBy(p => p))}] of topic '{_options.Topic}' revoked{(_closing ? " (closing)" : " by a rebalance of group '" + GroupId + "'")}.");
            if (!_outage.Waiting && _observer != null)
            {
                _outcomes.CommitCompleted(); // complete files of these partitions: in place and committed before they go
            }
            _commits.Commit(_observer);
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
        /// it gets a new group at every start. Also read by Operations.ServiceConsumer.
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
    }
}
