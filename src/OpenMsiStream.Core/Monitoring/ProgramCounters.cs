using System.Threading;

namespace OpenMsiStream.Monitoring
{
    /// <summary>
    /// What a program did, counted from any thread. Heartbeats carry the counts since the previous
    /// heartbeat (OpenMSIStream resets its counters after each one); the status file carries totals.
    /// </summary>
    public sealed class ProgramCounters
    {
        private long _messagesRead;
        private long _bytesRead;
        private long _messagesProcessed;
        private long _bytesProcessed;
        private long _messagesProduced;
        private long _bytesProduced;
        private long _filesHandled;
        private long _errors;

        public void Read(long messages, long bytes)
        {
            Interlocked.Add(ref _messagesRead, messages);
            Interlocked.Add(ref _bytesRead, bytes);
        }

        public void Processed(long messages, long bytes)
        {
            Interlocked.Add(ref _messagesProcessed, messages);
            Interlocked.Add(ref _bytesProcessed, bytes);
        }

        public void Produced(long messages, long bytes)
        {
            Interlocked.Add(ref _messagesProduced, messages);
            Interlocked.Add(ref _bytesProduced, bytes);
        }

        public void FileHandled() => Interlocked.Increment(ref _filesHandled);

        public void Error() => Interlocked.Increment(ref _errors);

        /// <summary>The counts so far; the running totals are never reset.</summary>
        public CounterSnapshot Snapshot() => new CounterSnapshot(
            Interlocked.Read(ref _messagesRead), Interlocked.Read(ref _bytesRead),
            Interlocked.Read(ref _messagesProcessed), Interlocked.Read(ref _bytesProcessed),
            Interlocked.Read(ref _messagesProduced), Interlocked.Read(ref _bytesProduced),
            Interlocked.Read(ref _filesHandled), Interlocked.Read(ref _errors));
    }

    public sealed class CounterSnapshot
    {
        public static readonly CounterSnapshot Zero = new CounterSnapshot(0, 0, 0, 0, 0, 0, 0, 0);

        public CounterSnapshot(long messagesRead, long bytesRead, long messagesProcessed, long bytesProcessed,
            long messagesProduced, long bytesProduced, long filesHandled, long errors)
        {
            MessagesRead = messagesRead;
            BytesRead = bytesRead;
            MessagesProcessed = messagesProcessed;
            BytesProcessed = bytesProcessed;
            MessagesProduced = messagesProduced;
            BytesProduced = bytesProduced;
            FilesHandled = filesHandled;
            Errors = errors;
        }

        public long MessagesRead { get; }
        public long BytesRead { get; }
        public long MessagesProcessed { get; }
        public long BytesProcessed { get; }
        public long MessagesProduced { get; }
        public long BytesProduced { get; }
        public long FilesHandled { get; }
        public long Errors { get; }

        /// <summary>What happened between <paramref name="earlier"/> and this snapshot.</summary>
        public CounterSnapshot Since(CounterSnapshot earlier) => new CounterSnapshot(
            MessagesRead - earlier.MessagesRead, BytesRead - earlier.BytesRead,
            MessagesProcessed - earlier.MessagesProcessed, BytesProcessed - earlier.BytesProcessed,
            MessagesProduced - earlier.MessagesProduced, BytesProduced - earlier.BytesProduced,
            FilesHandled - earlier.FilesHandled, Errors - earlier.Errors);
    }
}
