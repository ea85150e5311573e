namespace OpenMsiStream.Download
{
    /// <summary>A receiver's running totals (its <see cref="Diagnostics.IRunObserver{TFile, TProgress}"/> progress), at most a few times per second.</summary>
    public sealed class ReceiveProgress
    {
        public ReceiveProgress(long messages, long bytes, int filesReceived, int filesInProgress, long? lag = null)
        {
            Lag = lag;
            Messages = messages;
            Bytes = bytes;
            FilesReceived = filesReceived;
            FilesInProgress = filesInProgress;
        }

        public long Messages { get; }

        public long Bytes { get; }

        public int FilesReceived { get; }

        public int FilesInProgress { get; }

        /// <summary>Messages on the receiver's partitions it has not read yet, from its latest statistics; null until known.</summary>
        public long? Lag { get; }
    }
}
