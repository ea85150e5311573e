using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// What a receiver reports while it runs. Called on the receiver's thread: a front end that must
    /// write from another thread (a cmdlet's pipeline thread) queues these.
    /// </summary>
    public interface IReceiveObserver
    {
        void FileReceived(ReceivedFile file);

        /// <summary>A message or file that could not be handled; the receiver goes on.</summary>
        void Error(OpenMsiStreamException error);

        void Warning(string message);

        /// <summary>Running totals, at most a few times per second.</summary>
        void Progress(ReceiveProgress progress);
    }

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
