namespace OpenMsiStream.UploadDirectory
{
    /// <summary>A directory uploader's running totals (its <see cref="Diagnostics.IRunObserver{TFile, TProgress}"/> progress).</summary>
    public sealed class UploadProgress
    {
        public UploadProgress(int filesSent, long bytesSent, int filesInFlight, int filesWaiting, double bytesPerSecond, long producerQueueDepth = 0)
        {
            ProducerQueueDepth = producerQueueDepth;
            FilesSent = filesSent;
            BytesSent = bytesSent;
            FilesInFlight = filesInFlight;
            FilesWaiting = filesWaiting;
            BytesPerSecond = bytesPerSecond;
        }

        public int FilesSent { get; }

        /// <summary>Data bytes handed to the producer since the start.</summary>
        public long BytesSent { get; }

        public int FilesInFlight { get; }

        /// <summary>Files seen to be new or changed and waiting to settle or for a free slot.</summary>
        public int FilesWaiting { get; }

        public double BytesPerSecond { get; }

        /// <summary>Chunks handed to the producer and not yet acknowledged by the broker.</summary>
        public long ProducerQueueDepth { get; }
    }

    public sealed class UploadSummary
    {
        public UploadSummary(int filesSent, int errors, long bytesSent, System.TimeSpan elapsed)
        {
            FilesSent = filesSent;
            Errors = errors;
            BytesSent = bytesSent;
            Elapsed = elapsed;
        }

        public int FilesSent { get; }

        public int Errors { get; }

        public long BytesSent { get; }

        public System.TimeSpan Elapsed { get; }
    }
}
