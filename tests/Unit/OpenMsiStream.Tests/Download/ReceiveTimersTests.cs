using System;
using OpenMsiStream.Download;
using Xunit;

namespace OpenMsiStream.Tests.Download
{
    /// <summary>The receive loop's timings, on a clock the test moves.</summary>
    public class ReceiveTimersTests
    {
        private TimeSpan _now;

        /// <summary>A run starts: the clock, like the receiver's stopwatch, starts at zero.</summary>
        private ReceiveTimers Started(TimeSpan? idleTimeout, TimeSpan? stalledFileTimeout = null)
        {
            var timers = new ReceiveTimers(idleTimeout, stalledFileTimeout ?? TimeSpan.FromMinutes(5), () => _now);
            _now = TimeSpan.Zero;
            timers.Start();
            return timers;
        }

        private void At(long milliseconds) => _now = TimeSpan.FromTicks(milliseconds * TimeSpan.TicksPerMillisecond);

        [Fact]
        public void IdleCountsFromTheLastMessageOrAssignment()
        {
            ReceiveTimers timers = Started(TimeSpan.FromSeconds(10));
            timers.Assigned();
            At(9900);
            Assert.False(timers.IsIdle);
            timers.Activity();
            At(19800);
            Assert.False(timers.IsIdle);
            At(19900);
            Assert.True(timers.IsIdle);

            timers.Assigned(); // a rebalance gave partitions again: a new wait
            At(29800);
            Assert.False(timers.IsIdle);
            At(29900);
            Assert.True(timers.IsIdle);
        }

        [Fact]
        public void JoiningAnExistingTopicMayTakeTheSessionTimeoutBeforeIdlenessCounts()
        {
            ReceiveTimers timers = Started(TimeSpan.FromSeconds(5));
            timers.TopicExists(TimeSpan.FromSeconds(45));
            At(49900);
            Assert.False(timers.IsIdle);
            At(50000);
            Assert.True(timers.IsIdle);

            ReceiveTimers assigned = Started(TimeSpan.FromSeconds(5));
            assigned.TopicExists(TimeSpan.FromSeconds(45));
            At(1000);
            assigned.Assigned(); // once assigned, the allowance is gone
            At(6000);
            Assert.True(assigned.IsIdle);

            ReceiveTimers missing = Started(TimeSpan.FromSeconds(5)); // no topic yet: nothing to be assigned, no allowance
            At(5000);
            Assert.True(missing.IsIdle);
        }

        [Fact]
        public void WithoutAnIdleTimeoutTheLoopIsNeverIdle()
        {
            ReceiveTimers timers = Started(null);
            At(86400000);
            Assert.False(timers.IsIdle);
        }

        [Fact]
        public void TheSlowJoinNoticeComesOnceAfterTenSecondsWithoutPartitionsOfAnExistingTopic()
        {
            ReceiveTimers timers = Started(null);
            timers.TopicExists(TimeSpan.FromSeconds(45));
            At(9900);
            Assert.False(timers.SlowJoinNoticeDue());
            At(10000);
            Assert.True(timers.SlowJoinNoticeDue());
            At(20000);
            Assert.False(timers.SlowJoinNoticeDue());

            ReceiveTimers assigned = Started(null);
            assigned.TopicExists(TimeSpan.FromSeconds(45));
            assigned.Assigned();
            At(30000);
            Assert.False(assigned.SlowJoinNoticeDue());

            ReceiveTimers missing = Started(null); // a missing topic has its own warning
            At(30000);
            Assert.False(missing.SlowJoinNoticeDue());
        }

        [Fact]
        public void CommitsComeEverySecondAndProgressEveryTenthCountedFromTheLastOne()
        {
            ReceiveTimers timers = Started(null);
            Assert.False(timers.CommitDue);
            Assert.False(timers.ProgressDue);
            At(100);
            Assert.True(timers.ProgressDue);
            timers.ProgressReported();
            Assert.False(timers.ProgressDue);
            At(1000);
            Assert.True(timers.CommitDue);
            At(1300); // the commit took 0.3 s: the next one is a second after it ended
            timers.Committed();
            At(2200);
            Assert.False(timers.CommitDue);
            At(2300);
            Assert.True(timers.CommitDue);
        }

        [Theory]
        [InlineData(4000, 2000)] // a short stalled-file timeout is checked every half of it
        [InlineData(9800, 4900)]
        [InlineData(10000, 5000)]
        [InlineData(300000, 5000)] // a long one at most every 5 s
        public void StalledFilesAreCheckedEveryHalfTimeoutAtMostEveryFiveSeconds(long stalledMilliseconds, long intervalMilliseconds)
        {
            ReceiveTimers timers = Started(null, TimeSpan.FromMilliseconds(stalledMilliseconds));
            At(intervalMilliseconds - 1);
            Assert.False(timers.StallCheckDue);
            At(intervalMilliseconds);
            Assert.True(timers.StallCheckDue);
            timers.StallChecked();
            Assert.False(timers.StallCheckDue);
            At(2 * intervalMilliseconds);
            Assert.True(timers.StallCheckDue);
        }
    }
}
