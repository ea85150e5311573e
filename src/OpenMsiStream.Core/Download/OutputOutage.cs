using System;
using System.Collections.Generic;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// A time when the output cannot be written (a full disk, a permission taken away): the receiver
    /// pauses, tries again after a delay that grows from 5 s to a minute, and reports each file once
    /// however often it is tried, until a file is received again.
    /// </summary>
    internal sealed class OutputOutage
    {
        private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(5);
        private static readonly TimeSpan LongestDelay = TimeSpan.FromMinutes(1);
        private readonly HashSet<string> _reported = new HashSet<string>(StringComparer.Ordinal);
        private TimeSpan _delay = FirstDelay;
        private DateTime? _since;
        private DateTime _retryAt;

        /// <summary>Paused, waiting for the next try.</summary>
        public bool Waiting { get; private set; }

        /// <summary>Whether a failure about <paramref name="what"/> is new in this outage (and so worth reporting).</summary>
        public bool IsNew(string what) => _reported.Add(what);

        /// <summary>A write failed: pause until the next try.</summary>
        public void Fail(DateTime now)
        {
            _since ??= now;
            Waiting = true;
            _retryAt = now + _delay;
            _delay = _delay + _delay < LongestDelay ? _delay + _delay : LongestDelay;
        }

        /// <summary>True once when it is time to try again.</summary>
        public bool TryAgain(DateTime now)
        {
            if (!Waiting || now < _retryAt)
            {
                return false;
            }
            Waiting = false;
            return true;
        }

        /// <summary>A file was received: the outage is over. Returns how long it lasted, or null if there was none.</summary>
        public TimeSpan? End(DateTime now)
        {
            if (!_since.HasValue)
            {
                return null;
            }
            TimeSpan lasted = now - _since.Value;
            _since = null;
            Waiting = false;
            _delay = FirstDelay;
            _reported.Clear();
            return lasted;
        }
    }
}
