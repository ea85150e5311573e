using System;
using System.Diagnostics;
using System.Threading;

namespace OpenMsiStream.Upload
{
    /// <summary>
    /// Keeps the bytes handed to the producer under a rate, for instrument PCs whose network link must
    /// stay usable for the instrument. A token bucket holding at most one second's worth.
    /// </summary>
    internal sealed class RateLimiter
    {
        private readonly object _gate = new object();
        private readonly double _bytesPerSecond;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private double _available;
        private TimeSpan _last;

        public RateLimiter(long bytesPerSecond)
        {
            _bytesPerSecond = bytesPerSecond;
            _available = bytesPerSecond;
        }

        /// <summary>Waits until <paramref name="bytes"/> may go out.</summary>
        public void Take(long bytes, CancellationToken cancellationToken)
        {
            while (true)
            {
                TimeSpan wait;
                lock (_gate)
                {
                    TimeSpan now = _clock.Elapsed;
                    _available = Math.Min(_bytesPerSecond, _available + (now - _last).TotalSeconds * _bytesPerSecond);
                    _last = now;
                    if (_available >= Math.Min(bytes, _bytesPerSecond))
                    {
                        _available -= bytes; // may go negative for a chunk larger than a second's worth
                        return;
                    }
                    wait = TimeSpan.FromSeconds((Math.Min(bytes, _bytesPerSecond) - _available) / _bytesPerSecond);
                }
                if (cancellationToken.WaitHandle.WaitOne(wait))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
        }
    }
}
