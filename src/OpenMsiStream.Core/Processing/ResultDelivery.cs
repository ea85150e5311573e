using System;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Processing
{
    /// <summary>Whether a stream processor commits each file's results in a Kafka transaction (see <see cref="ResultDelivery"/>).</summary>
    public enum ExactlyOnceMode
    {
        /// <summary>Exactly-once where the broker implements transactions, else at-least-once (the default).</summary>
        Auto,

        /// <summary>Transactions are required: the processor does not start without them.</summary>
        On,

        /// <summary>At-least-once, as before transactions: no transactional id, no read_committed needed.</summary>
        Off,
    }

    /// <summary>What a stream processor guarantees about the messages on its result topic.</summary>
    public enum ResultDelivery
    {
        /// <summary>No result topic: nothing is produced.</summary>
        None,

        /// <summary>
        /// A file's results are on the result topic at least once: after a crash between producing them
        /// and recording the file processed, the file is processed and its results produced again.
        /// </summary>
        AtLeastOnce,

        /// <summary>
        /// A file's results and the consumer's offsets for its messages commit in one Kafka transaction:
        /// a consumer of the result topic with <c>isolation.level=read_committed</c> sees them once.
        /// </summary>
        ExactlyOnce,
    }

    /// <summary>Which <see cref="ResultDelivery"/> a processor uses, and why.</summary>
    public sealed class ResultDeliveryDecision
    {
        internal ResultDeliveryDecision(ResultDelivery delivery, string reason, string? transactionalId = null, string? caveat = null)
        {
            Delivery = delivery;
            Reason = reason;
            TransactionalId = transactionalId;
            Caveat = caveat;
        }

        public ResultDelivery Delivery { get; }

        /// <summary>Why this one (the broker's lack of transactions, an option).</summary>
        public string Reason { get; }

        /// <summary>The producer's transactional.id with <see cref="ResultDelivery.ExactlyOnce"/>.</summary>
        public string? TransactionalId { get; }

        /// <summary>What the user must know although transactions are in use (the embedded broker does not isolate them).</summary>
        public string? Caveat { get; }

        /// <summary>One line for a program's start output.</summary>
        public string Describe() => Delivery switch
        {
            ResultDelivery.ExactlyOnce => $"results: exactly-once (Kafka transactions, transactional.id '{TransactionalId}'; consumers of the result topic need isolation.level=read_committed){(Caveat == null ? string.Empty : "; " + Caveat)}",
            ResultDelivery.AtLeastOnce => $"results: at-least-once ({Reason})",
            _ => "results: none (no result topic)",
        };

        public override string ToString() => Describe();

        /// <summary>Why this delivery, with what the user must know about it: for heartbeats and the status file.</summary>
        public string Why => Caveat == null ? Reason : Reason + "; " + Caveat;

        /// <summary>
        /// The one place the choice is made. The questions to the broker are asked only when the answer
        /// matters, in this order: <paramref name="brokerTooOld"/> says why the broker cannot have
        /// transactions (or null), <paramref name="isEmbeddedBroker"/> whether it is the embedded one, and
        /// <paramref name="initTransactions"/> tries them and says why they failed (or null).
        /// </summary>
        internal static ResultDeliveryDecision Decide(ExactlyOnceMode mode, bool hasResultTopic, Func<string?> brokerTooOld, Func<bool> isEmbeddedBroker,
            string transactionalId, Func<string?> initTransactions)
        {
            if (!hasResultTopic)
            {
                return new ResultDeliveryDecision(ResultDelivery.None, "no result topic");
            }
            if (mode == ExactlyOnceMode.Off)
            {
                return new ResultDeliveryDecision(ResultDelivery.AtLeastOnce, "exactly-once turned off");
            }
            if (brokerTooOld() is string tooOld)
            {
                return Unavailable(mode, tooOld);
            }
            bool embeddedBroker = isEmbeddedBroker();
            if (embeddedBroker && mode == ExactlyOnceMode.Auto)
            {
                return new ResultDeliveryDecision(ResultDelivery.AtLeastOnce, EmbeddedBrokerLacksTransactions + "; ask for exactly-once explicitly to try the transactional path anyway");
            }
            string? failure = initTransactions();
            if (failure != null)
            {
                return Unavailable(mode, "the broker refused Kafka transactions: " + failure);
            }
            return new ResultDeliveryDecision(ResultDelivery.ExactlyOnce, "the broker supports Kafka transactions", transactionalId,
                embeddedBroker ? "though " + EmbeddedBrokerLacksTransactions + ", so nothing is exactly-once on it" : null);
        }

        /// <summary>Checked with librdkafka 2.16 (tests/Unit: EmbeddedBrokerTransactionTests).</summary>
        internal const string EmbeddedBrokerLacksTransactions =
            "the embedded broker accepts Kafka transactions but does not implement them: read_committed consumers also see aborted results, and offsets committed in a transaction are dropped";

        private static ResultDeliveryDecision Unavailable(ExactlyOnceMode mode, string why)
        {
            if (mode == ExactlyOnceMode.On)
            {
                throw new OpenMsiStreamException(ErrorIds.ExactlyOnceUnavailable,
                    $"Exactly-once results were asked for, but {why}. Use a broker of Kafka 0.11 or later that allows transactions, or leave exactly-once on auto (at-least-once here).");
            }
            return new ResultDeliveryDecision(ResultDelivery.AtLeastOnce, why);
        }
    }
}
