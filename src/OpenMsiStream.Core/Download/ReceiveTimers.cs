using System;
using System.Diagnostics;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// The consume loop's clock: when its periodic work is due (the commit, progress, the stall check),
    /// when the user is told it still waits for partitions, and when it stops for idleness. Consume
    /// thread only (the rebalance callback that calls <see cref="Assigned"/> runs inside its polls).
    /// </summary>
    internal sealed class ReceiveTimers
    {
        private static readonly TimeSpan CommitInterval = TimeSpan.FromSeconds(1);
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);
        private static readonly TimeSpan MaxStallCheckInterval = TimeSpan.FromSeconds(5);

        /// <summary>After this long without partitions of an existing topic the user is told why.</summary>
        public static readonly TimeSpan SlowJoinNotice = TimeSpan.FromSeconds(10);

        private readonly Stopwatch _clock = new Stopwatch();
        private readonly Func<TimeSpan> _now;
        private readonly TimeSpan? _idleTimeout;
        private readonly TimeSpan _stallCheckInterval;
        private TimeSpan _lastActivity, _lastCommit, _lastProgress, _lastStallCheck, _joinAllowance;
        private TimeSpan? _lastAssignment;
        private bool _topicExists, _slowJoinReported;

        /// <param name="now">The time since <see cref="Start"/>; a stopwatch when not given (tests give their own).</param>
        public ReceiveTimers(TimeSpan? idleTimeout, TimeSpan stalledFileTimeout, Func<TimeSpan>? now = null)
        {
            _idleTimeout = idleTimeout;
            _stallCheckInterval = stalledFileTimeout < MaxStallCheckInterval + MaxStallCheckInterval
                ? TimeSpan.FromTicks(stalledFileTimeout.Ticks / 2)
                : MaxStallCheckInterval;
            _now = now ?? (() => _clock.Elapsed);
        }

        public TimeSpan Elapsed => _now();

        /// <summary>A run begins: every interval counts from now.</summary>
        public void Start()
        {
            _clock.Restart();
            _lastActivity = _lastCommit = _lastProgress = _lastStallCheck = _joinAllowance = TimeSpan.Zero;
            _topicExists = _slowJoinReported = false;
        }

        /// <summary>
        /// The topic exists, so partitions are to be assigned. Joining a group can take up to the session
        /// timeout when a member just left; only worth waiting for when there is a topic to be assigned.
        /// </summary>
        public void TopicExists(TimeSpan sessionTimeout)
        {
            _topicExists = true;
            _joinAllowance = sessionTimeout;
        }

        /// <summary>Something happened that is not idleness (a message, waiting for the disk or a key).</summary>
        public void Activity() => _lastActivity = _now();

        public void Assigned() => _lastAssignment = _now();

        /// <summary>
        /// Idle means no message for the idle timeout since the last message or partition assignment.
        /// Until the group first assigns partitions of an existing topic, joining may take up to the
        /// session timeout (a broker waits that long for a member that just left), so that is allowed too.
        /// </summary>
        public bool IsIdle
        {
            get
            {
                if (!_idleTimeout.HasValue)
                {
                    return false;
                }
                TimeSpan since = _lastAssignment.HasValue && _lastAssignment.Value > _lastActivity ? _lastAssignment.Value : _lastActivity;
                TimeSpan allowance = _lastAssignment.HasValue ? TimeSpan.Zero : _joinAllowance;
                return _now() - since >= _idleTimeout.Value + allowance;
            }
        }

        /// <summary>True once, when an existing topic's partitions have not come for <see cref="SlowJoinNotice"/>.</summary>
        public bool SlowJoinNoticeDue()
        {
            if (_slowJoinReported || _lastAssignment != null || !_topicExists || _now() < SlowJoinNotice)
            {
                return false;
            }
            _slowJoinReported = true;
            return true;
        }

        /// <summary>Time to record progress, resolve acknowledgements and commit offsets; <see cref="Committed"/> when done.</summary>
        public bool CommitDue => _now() - _lastCommit >= CommitInterval;

        public void Committed() => _lastCommit = _now();

        public bool ProgressDue => _now() - _lastProgress >= ProgressInterval;

        public void ProgressReported() => _lastProgress = _now();

        /// <summary>Time to give up files stalled for the stalled-file timeout: every half of it, at most every 5 s.</summary>
        public bool StallCheckDue => _now() - _lastStallCheck >= _stallCheckInterval;

        public void StallChecked() => _lastStallCheck = _now();
    }
}
