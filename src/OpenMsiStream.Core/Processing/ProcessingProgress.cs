namespace OpenMsiStream.Processing
{
    /// <summary>A stream processor's running totals (its <see cref="Diagnostics.IRunObserver{TFile, TProgress}"/> progress).</summary>
    public sealed class ProcessingProgress
    {
        public ProcessingProgress(int received, int processed, int failed, int running, int waiting, int skipped = 0, long? lag = null,
            ResultDeliveryDecision? resultDelivery = null, long? resultQueueDepth = null)
        {
            ResultDelivery = resultDelivery;
            ResultQueueDepth = resultQueueDepth;
            Lag = lag;
            Skipped = skipped;
            Received = received;
            Processed = processed;
            Failed = failed;
            Running = running;
            Waiting = waiting;
        }

        public int Received { get; }

        public int Processed { get; }

        public int Failed { get; }

        /// <summary>Files received again that an earlier run had processed already.</summary>
        public int Skipped { get; }

        /// <summary>Files the handler is working on now.</summary>
        public int Running { get; }

        /// <summary>Files received and waiting for a free worker.</summary>
        public int Waiting { get; }

        /// <summary>Messages on the processor's partitions it has not read yet (see <see cref="Download.ReceiveProgress.Lag"/>); null until known.</summary>
        public long? Lag { get; }

        /// <summary>How results are delivered, once the processor decided (null before, and after it stopped).</summary>
        public ResultDeliveryDecision? ResultDelivery { get; }

        /// <summary>Result messages handed to the result producer and not yet acknowledged by the broker; null without a result producer.</summary>
        public long? ResultQueueDepth { get; }
    }

    /// <summary>How a stream processor run ended.</summary>
    public sealed class ProcessingSummary
    {
        public ProcessingSummary(int processed, int failed, int skipped, System.TimeSpan elapsed, ResultDelivery resultDelivery = ResultDelivery.None)
        {
            ResultDelivery = resultDelivery;
            Processed = processed;
            Failed = failed;
            Skipped = skipped;
            Elapsed = elapsed;
        }

        public int Processed { get; }

        public int Failed { get; }

        /// <summary>Files received again that were already processed.</summary>
        public int Skipped { get; }

        public System.TimeSpan Elapsed { get; }

        /// <summary>How results were delivered: exactly-once, at-least-once, or none (no result topic).</summary>
        public ResultDelivery ResultDelivery { get; }
    }
}
