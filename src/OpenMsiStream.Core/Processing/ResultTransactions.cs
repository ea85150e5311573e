using System;
using System.Collections.Generic;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Processing
{
    /// <summary>
    /// The transactions of a stream processor with exactly-once results: one per file that has results
    /// (its results and the consumer offsets its acknowledgement allows), and one per offset commit
    /// without results (files without results, skipped messages). One transactional producer serves
    /// the whole processor, so its transactions run one at a time, from the receiver's thread and from
    /// workers handling files kept from an earlier run.
    /// </summary>
    /// <remarks>
    /// Zombies: a restarted processor (same state directory, so same transactional.id) fences its killed
    /// predecessor in <see cref="Start"/>, which also ends that predecessor's open transaction. A member
    /// of the group that lost its partitions in a rebalance is fenced by the group generation in the
    /// consumer group metadata sent with the offsets (KIP-447, Kafka 2.5 and later).
    /// </remarks>
    internal sealed class ResultTransactions : IOffsetCommitter, IDisposable
    {
        private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(30);
        private const int CommitAttempts = 3;

        private readonly object _gate = new object();
        private readonly ResultProducer _results;
        private readonly KafkaSettings _settings;
        private readonly ClientDiagnostics _diagnostics;
        private OpenMsiStreamException? _broken;

        private ResultTransactions(ResultProducer results, KafkaSettings settings, ClientDiagnostics diagnostics, string transactionalId)
        {
            _results = results;
            _settings = settings;
            _diagnostics = diagnostics;
            TransactionalId = transactionalId;
        }

        public string TransactionalId { get; }

        /// <summary>Why this producer cannot run transactions any more (fenced, a commit of unknown outcome); null while it can.</summary>
        public OpenMsiStreamException? Broken => _broken;

        /// <summary>Result messages produced in the open transaction and not yet acknowledged by the broker.</summary>
        public long Queued => _results.Queued;

        /// <summary>Transactions committed so far (with results or offsets only).</summary>
        public int Committed { get; private set; }

        /// <summary>
        /// Creates the transactional producer and initialises its transactions (fencing an earlier
        /// producer with the same id and ending its open transaction). Throws <see cref="KafkaException"/>
        /// when the broker refuses transactions.
        /// </summary>
        public static ResultTransactions Start(KafkaSettings settings, string topic, string transactionalId, ClientDiagnostics diagnostics, TimeSpan timeout)
        {
            var results = new ResultProducer(settings, topic, diagnostics, transactionalId);
            try
            {
                results.Producer.InitTransactions(timeout);
                return new ResultTransactions(results, settings, diagnostics, transactionalId);
            }
            catch
            {
                results.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Commits a file's result messages (keyed <paramref name="key"/>; none for an offsets-only
        /// commit) and <paramref name="offsets"/> for <paramref name="group"/> in one transaction.
        /// <paramref name="prepared"/> runs once everything is sent and just before the commit, with where
        /// the first result was written: what a restart needs to find out whether the commit happened.
        /// Throws <see cref="OpenMsiStreamException"/>: ResultNotProduced when the transaction was aborted
        /// (nothing of it is visible), ProcessorFenced or ResultCommitUndecided when this producer cannot
        /// go on (every later call throws the same).
        /// </summary>
        public TopicPartitionOffset? Commit(string? key, IReadOnlyList<string> messages, IReadOnlyList<TopicPartitionOffset> offsets, IConsumerGroupMetadata? group,
            Action<TopicPartitionOffset?>? prepared)
        {
            lock (_gate)
            {
                if (_broken != null)
                {
                    throw _broken;
                }
                IProducer<byte[], byte[]> producer = _results.Producer;
                TopicPartitionOffset? first = null;
                try
                {
                    producer.BeginTransaction();
                    if (key != null && messages.Count > 0)
                    {
                        first = _results.ProduceAsync(key, messages, CancellationToken.None).GetAwaiter().GetResult();
                    }
                    if (offsets.Count > 0)
                    {
                        producer.SendOffsetsToTransaction(offsets, group ?? throw new ArgumentNullException(nameof(group)), OperationTimeout);
                    }
                    prepared?.Invoke(first);
                }
                catch (Exception ex) when (!IsFatal(ex))
                {
                    Abort();
                    throw NotCommitted(ex);
                }
                catch (Exception ex)
                {
                    throw Break(ex);
                }
                CommitTransaction(producer);
                Committed++;
                return first;
            }
        }

        void IOffsetCommitter.Commit(IReadOnlyList<TopicPartitionOffset> offsets, IConsumerGroupMetadata group)
        {
            try
            {
                Commit(null, Array.Empty<string>(), offsets, group, null);
            }
            catch (OpenMsiStreamException ex) when (ex.ErrorId == ErrorIds.ResultNotProduced)
            {
                // The receiver reports an offset commit that did not happen and tries again later.
                throw new KafkaException(new Error(ErrorCode.Local_Fail, ex.Message));
            }
        }

        /// <summary>
        /// A commit that fails in a way librdkafka says may be retried is retried; if it still fails its
        /// outcome is unknown (the broker may have committed it), so this producer stops and the next start
        /// finds out from the result topic.
        /// </summary>
        private void CommitTransaction(IProducer<byte[], byte[]> producer)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    producer.CommitTransaction(OperationTimeout);
                    return;
                }
                catch (KafkaRetriableException ex) when (attempt < CommitAttempts)
                {
                    _diagnostics.Publish(DiagnosticLevel.Warning, "results", $"Committing a result transaction failed ({ex.Error.Reason}); trying again.");
                }
                catch (KafkaTxnRequiresAbortException ex)
                {
                    Abort();
                    throw NotCommitted(ex);
                }
                catch (Exception ex) when (ex is KafkaException && !IsFatal(ex))
                {
                    throw Break(new OpenMsiStreamException(ErrorIds.ResultCommitUndecided,
                        $"Whether the last result transaction on topic '{_results.Topic}' committed is not known ({((KafkaException)ex).Error.Reason}); the processor stops, and its next start finds out from the result topic.", ex));
                }
                catch (Exception ex)
                {
                    throw Break(ex);
                }
            }
        }

        private void Abort()
        {
            try
            {
                _results.Producer.AbortTransaction(OperationTimeout);
            }
            catch (KafkaException ex)
            {
                // An abort that fails leaves the transaction to the broker, which aborts it at its timeout
                // or when this id is initialised again; nothing of it becomes visible meanwhile.
                throw Break(new OpenMsiStreamException(ErrorIds.ResultCommitUndecided,
                    $"A result transaction on topic '{_results.Topic}' could not be aborted ({ex.Error.Reason}); the processor stops, and its next start ends it.", ex));
            }
        }

        private static bool IsFatal(Exception ex) => ex is KafkaException kafka && !(ex is KafkaTxnRequiresAbortException) && !(ex is KafkaRetriableException)
            && (kafka.Error.IsFatal || kafka.Error.Code == ErrorCode.ProducerFenced || kafka.Error.Code == ErrorCode.Local_Fenced
                || kafka.Error.Code == ErrorCode.InvalidProducerEpoch || kafka.Error.Code == ErrorCode.TransactionalIdAuthorizationFailed);

        private OpenMsiStreamException NotCommitted(Exception ex)
        {
            Exception cause = ex is AggregateException aggregate && aggregate.InnerExceptions.Count == 1 ? aggregate.InnerException! : ex;
            string reason = cause is KafkaException kafka ? kafka.Error.Reason : cause.Message;
            return new OpenMsiStreamException(ErrorIds.ResultNotProduced,
                $"The result transaction on topic '{_results.Topic}' was aborted: {reason}", cause);
        }

        /// <summary>This producer cannot run transactions any more: every later call says why.</summary>
        private OpenMsiStreamException Break(Exception ex)
        {
            if (ex is OpenMsiStreamException known)
            {
                _broken = known;
            }
            else if (ex is KafkaException kafka && (kafka.Error.Code == ErrorCode.ProducerFenced || kafka.Error.Code == ErrorCode.Local_Fenced || kafka.Error.Code == ErrorCode.InvalidProducerEpoch))
            {
                _broken = new OpenMsiStreamException(ErrorIds.ProcessorFenced,
                    $"Another processor took over transactional id '{TransactionalId}' ({kafka.Error.Reason}): this one stops. Only one processor may run per state directory; give each its own.", ex);
            }
            else if (ex is KafkaException other)
            {
                _broken = KafkaErrors.From(other.Error, $"Committing results to topic '{_results.Topic}' in a transaction", _settings, _diagnostics, _results.Topic);
            }
            else
            {
                _broken = new OpenMsiStreamException(ErrorIds.ResultCommitUndecided, ex.Message, ex);
            }
            return _broken;
        }

        public void Dispose() => _results.Dispose();
    }
}
