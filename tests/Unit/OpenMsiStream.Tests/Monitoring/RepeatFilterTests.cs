using System;
using OpenMsiStream.Monitoring;
using Xunit;

namespace OpenMsiStream.Tests.Monitoring
{
    /// <summary>One error repeated by librdkafka is one log line a minute, whatever its timing suffix says.</summary>
    public sealed class RepeatFilterTests
    {
        private static readonly DateTimeOffset Start = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

        [Fact]
        public void RepeatsThatDifferOnlyInLibrdkafkasTimingAreOneMessage()
        {
            var filter = new RepeatFilter(TimeSpan.FromMinutes(1));
            const string first = "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)";
            const string later = "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 3ms in state CONNECT, 2 identical error(s) suppressed)";

            Assert.Equal(0, filter.Admit(first, Start));
            Assert.Equal(-1, filter.Admit(later, Start.AddSeconds(5)));
            Assert.Equal(-1, filter.Admit(first, Start.AddSeconds(30)));
            Assert.Equal(2, filter.Admit(later, Start.AddSeconds(61))); // written again after the window, saying how many were left out
        }

        [Fact]
        public void TheLogLineAndTheErrorCallbackOfOneFailureAreOneMessage()
        {
            var filter = new RepeatFilter(TimeSpan.FromMinutes(1));
            Assert.Equal(0, filter.Admit("FAIL: [thrd:127.0.0.1:1/bootstrap]: 127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)", Start));
            Assert.Equal(-1, filter.Admit("127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)", Start.AddMilliseconds(2)));
            Assert.Equal(0, filter.Admit("FAIL: [thrd:127.0.0.1:1/bootstrap]: 127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection reset by peer", Start.AddMilliseconds(3)));
        }

        [Fact]
        public void DifferentBrokersAreDifferentMessages()
        {
            var filter = new RepeatFilter(TimeSpan.FromMinutes(1));
            Assert.Equal(0, filter.Admit("Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)", Start));
            Assert.Equal(0, filter.Admit("Connect to ipv4#127.0.0.1:2 failed: Connection refused (after 0ms in state CONNECT)", Start));
        }
    }
}
