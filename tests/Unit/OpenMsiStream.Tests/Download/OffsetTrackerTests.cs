using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Download;
using Xunit;

namespace OpenMsiStream.Tests.Download
{
    public class OffsetTrackerTests
    {
        [Fact]
        public void CommitsStopAtTheOldestMessageNotYetHandled()
        {
            var tracker = new OffsetTracker();
            for (long offset = 0; offset < 5; offset++)
            {
                tracker.Begin(new MessagePosition(0, offset));
            }
            tracker.Begin(new MessagePosition(1, 7));

            tracker.Resolve(new[] { new MessagePosition(0, 0), new MessagePosition(0, 2), new MessagePosition(0, 3), new MessagePosition(1, 7) });
            Assert.Equal(new[] { Pair(0, 1), Pair(1, 8) }, tracker.Committable());
            Assert.Equal(new[] { Pair(0, 1), Pair(1, 8) }, tracker.Committable()); // not committed yet: offered again

            tracker.MarkCommitted(new[] { Pair(0, 1), Pair(1, 8) });
            Assert.Empty(tracker.Committable()); // nothing moved since

            tracker.Resolve(new[] { new MessagePosition(0, 1), new MessagePosition(0, 4) });
            Assert.Equal(new[] { Pair(0, 5) }, tracker.Committable());
        }

        [Fact]
        public void WhatATransactionWouldCommitIsComputedWithoutResolvingAnything()
        {
            var tracker = new OffsetTracker();
            for (long offset = 0; offset < 6; offset++)
            {
                tracker.Begin(new MessagePosition(0, offset)); // file a: 0, 2, 4; file b: 1, 3, 5
            }
            tracker.Begin(new MessagePosition(2, 9));
            MessagePosition[] a = { new MessagePosition(0, 0), new MessagePosition(0, 2), new MessagePosition(0, 4) };
            MessagePosition[] b = { new MessagePosition(0, 1), new MessagePosition(0, 3), new MessagePosition(0, 5) };

            Assert.Equal(new[] { Pair(0, 1), Pair(2, 9) }, tracker.CommittableAfter(a)); // b's first chunk holds partition 0 back
            Assert.Equal(new[] { Pair(0, 0), Pair(2, 9) }, tracker.Committable()); // nothing was resolved by asking
            Assert.Equal(new[] { Pair(0, 0), Pair(2, 9) }, tracker.CommittableAfter(b)); // a's first chunk (offset 0) still holds partition 0 back
            Assert.Equal(new[] { Pair(0, 6), Pair(2, 9) }, tracker.CommittableAfter(a.Concat(b)));

            tracker.Resolve(a);
            Assert.Equal(tracker.CommittableAfter(Array.Empty<MessagePosition>()), tracker.Committable());
            tracker.MarkCommitted(tracker.CommittableAfter(Array.Empty<MessagePosition>()));
            Assert.Equal(new[] { Pair(0, 6) }, tracker.CommittableAfter(b));
            Assert.Equal(new[] { Pair(2, 10) }, tracker.CommittableAfter(new[] { new MessagePosition(2, 9), new MessagePosition(7, 1) })); // unknown partitions are ignored
        }

        [Fact]
        public void ForgottenPartitionsAreNotCommitted()
        {
            var tracker = new OffsetTracker();
            tracker.Begin(new MessagePosition(3, 10));
            tracker.Forget(new[] { 3 });
            tracker.Resolve(new[] { new MessagePosition(3, 10) });

            Assert.Empty(tracker.Committable());
        }

        private static KeyValuePair<int, long> Pair(int partition, long offset) => new KeyValuePair<int, long>(partition, offset);
    }
}
