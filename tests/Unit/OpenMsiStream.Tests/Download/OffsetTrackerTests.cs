using System.Collections.Generic;
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
