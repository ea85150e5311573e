using System;
using OpenMsiStream.Kafka;
using Xunit;

namespace OpenMsiStream.Tests.Kafka
{
    public class BrokerReachabilityTests
    {
        private const string Servers = "lab:9092";
        private static readonly DateTime Start = new DateTime(2026, 12, 7, 14, 0, 0, DateTimeKind.Utc);

        [Fact]
        public void AnOutageIsSaidOnceAfterFifteenSecondsAndItsEndOnceTheBrokerIsUpAgain()
        {
            var reachability = new BrokerReachability();
            reachability.ConnectionFailed("Connection refused", Start);

            Assert.Null(reachability.TakeNews(Servers, Start.AddSeconds(14)));
            Assert.Equal("The Kafka broker at lab:9092 has been unreachable for 15 s (Connection refused); still trying. Nothing is lost: files are sent and received once it is back.",
                reachability.TakeNews(Servers, Start.AddSeconds(15)));
            Assert.Null(reachability.TakeNews(Servers, Start.AddSeconds(30)));

            reachability.Statistics(Stats(Start.AddSeconds(40), "UP"), Start.AddSeconds(40));
            Assert.Equal("The Kafka broker at lab:9092 is reachable again after 40 s; what waited is being sent and received.", reachability.TakeNews(Servers, Start.AddSeconds(40)));
        }

        [Fact]
        public void StatisticsTakenBeforeTheOutageBeganDoNotRestartItsClock()
        {
            var reachability = new BrokerReachability();
            reachability.ConnectionFailed("Connection refused", Start);

            // A snapshot from before the failure, delivered late (a loaded machine), still says UP.
            reachability.Statistics(Stats(Start.AddSeconds(-3), "UP"), Start.AddSeconds(10));

            Assert.StartsWith("The Kafka broker at lab:9092 has been unreachable for 15 s", reachability.TakeNews(Servers, Start.AddSeconds(15)));
        }

        [Fact]
        public void StatisticsOfTheOutagesFirstSecondLeaveItToTheNextSnapshot()
        {
            var reachability = new BrokerReachability();
            reachability.ConnectionFailed("Connection refused", Start.AddMilliseconds(600));

            // "time" has whole seconds: a snapshot of the same second may be from before the failure.
            reachability.Statistics(Stats(Start, "UP"), Start.AddSeconds(1));
            Assert.StartsWith("The Kafka broker at lab:9092 has been unreachable for", reachability.TakeNews(Servers, Start.AddSeconds(16)));

            reachability.Statistics(Stats(Start.AddSeconds(20), "UP"), Start.AddSeconds(20));
            Assert.StartsWith("The Kafka broker at lab:9092 is reachable again after", reachability.TakeNews(Servers, Start.AddSeconds(20)));
        }

        [Fact]
        public void AConnectionUpForAnInstantDoesNotEndTheOutage()
        {
            var reachability = new BrokerReachability();
            reachability.ConnectionFailed("1/1 brokers are down", Start, allBrokersDown: true);

            // A broker (or a proxy before it) that accepts connections and drops them at once.
            reachability.Statistics(Stats(Start.AddSeconds(5), "UP", stateAgeMicroseconds: 2_000), Start.AddSeconds(5));

            Assert.True(reachability.AllBrokersDown);
            Assert.NotNull(reachability.TakeNews(Servers, Start.AddSeconds(16)));
        }

        [Fact]
        public void StatisticsWithNoBrokerUpLeaveTheOutageRunning()
        {
            var reachability = new BrokerReachability();
            reachability.ConnectionFailed("Connection refused", Start);

            reachability.Statistics(Stats(Start.AddSeconds(5), "TRY_CONNECT"), Start.AddSeconds(5));

            Assert.NotNull(reachability.TakeNews(Servers, Start.AddSeconds(16)));
        }

        [Fact]
        public void EveryBrokerDownLastsUntilStatisticsTakenSinceShowOneUp()
        {
            var reachability = new BrokerReachability();
            reachability.ConnectionFailed("Connection refused", Start);
            Assert.False(reachability.AllBrokersDown); // one connection failing says nothing of the others

            reachability.ConnectionFailed("1/1 brokers are down", Start.AddSeconds(3), allBrokersDown: true);
            Assert.True(reachability.AllBrokersDown);

            // A snapshot from between the first failure and every broker being down is stale too.
            reachability.Statistics(Stats(Start.AddSeconds(1), "UP"), Start.AddSeconds(6));
            Assert.True(reachability.AllBrokersDown);

            reachability.Statistics(Stats(Start.AddSeconds(8), "UP"), Start.AddSeconds(8));
            Assert.False(reachability.AllBrokersDown);
        }

        /// <summary>librdkafka's statistics with one broker: its state, and how long it has been in it (30 s unless told).</summary>
        internal static string Stats(DateTime takenAt, string state, long stateAgeMicroseconds = 30_000_000) =>
            $"{{\"time\": {new DateTimeOffset(takenAt).ToUnixTimeSeconds()}, \"brokers\": {{\"lab:9092/1\": {{\"state\": \"{state}\", \"stateage\": {stateAgeMicroseconds}}}}}}}";
    }
}
