using System;
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;

namespace OpenMsiStream.Upload
{
    /// <summary>
    /// Counts a file's chunks from produce to acknowledgement. The file is sent when every produced
    /// chunk is acknowledged and no more will be produced; the first failure fails the file.
    /// </summary>
    internal sealed class DeliveryTracker
    {
        private readonly TaskCompletionSource<bool> _done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _pending;
        private int _produced;
        private int _sealed;
        private int _partition = -1;
        private Error? _firstError;
        private int _firstErrorChunk;

        public Task Completion => _done.Task;

        public bool HasFailed => Volatile.Read(ref _firstError) != null;

        public int Partition => Volatile.Read(ref _partition);

        public Error? FirstError => Volatile.Read(ref _firstError);

        public int FirstErrorChunk => _firstErrorChunk;

        /// <summary>Chunks handed to the producer for this file (including any that failed).</summary>
        public int Produced => Volatile.Read(ref _produced);

        public void OnProduced()
        {
            Interlocked.Increment(ref _produced);
            Interlocked.Increment(ref _pending);
        }

        /// <summary>Called from librdkafka's delivery-report thread.</summary>
        public void Delivered(int chunkIndex, DeliveryReport<byte[], byte[]> report)
        {
            if (report.Error.IsError)
            {
                if (Interlocked.CompareExchange(ref _firstError, report.Error, null) == null)
                {
                    _firstErrorChunk = chunkIndex;
                }
            }
            else
            {
                Interlocked.CompareExchange(ref _partition, report.Partition.Value, -1);
            }
            // Interlocked operations are full fences, so Seal and the last report cannot both miss each other.
            if (Interlocked.Decrement(ref _pending) == 0 && Volatile.Read(ref _sealed) == 1)
            {
                _done.TrySetResult(true);
            }
        }

        /// <summary>No more chunks will be produced for this file.</summary>
        public void Seal()
        {
            Interlocked.Exchange(ref _sealed, 1);
            if (Volatile.Read(ref _pending) == 0)
            {
                _done.TrySetResult(true);
            }
        }
    }
}
