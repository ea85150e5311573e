using System.Diagnostics;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>At most four progress updates a second: more only slows the console down.</summary>
    internal sealed class ProgressThrottle
    {
        private const long IntervalMilliseconds = 250;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _last = -IntervalMilliseconds;

        public bool IsDue()
        {
            long now = _clock.ElapsedMilliseconds;
            if (now - _last < IntervalMilliseconds)
            {
                return false;
            }
            _last = now;
            return true;
        }
    }
}
