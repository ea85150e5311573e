using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace OpenMsiStream.UploadDirectory
{
    /// <summary>Bytes per second over the last few seconds, from a running total.</summary>
    internal sealed class RateMeter
    {
        private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Queue<KeyValuePair<TimeSpan, long>> _samples = new Queue<KeyValuePair<TimeSpan, long>>();

        public double Update(long total)
        {
            TimeSpan now = _clock.Elapsed;
            _samples.Enqueue(new KeyValuePair<TimeSpan, long>(now, total));
            while (_samples.Count > 2 && now - _samples.Peek().Key > Window)
            {
                _samples.Dequeue();
            }
            KeyValuePair<TimeSpan, long> oldest = _samples.Peek();
            double seconds = (now - oldest.Key).TotalSeconds;
            return seconds <= 0 ? 0 : (total - oldest.Value) / seconds;
        }
    }
}
