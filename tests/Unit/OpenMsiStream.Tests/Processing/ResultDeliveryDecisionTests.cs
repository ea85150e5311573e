using System;
using System.Collections.Generic;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Processing;
using Xunit;

namespace OpenMsiStream.Tests.Processing
{
    /// <summary>The one decision between exactly-once and at-least-once results, and what it asks the broker.</summary>
    public class ResultDeliveryDecisionTests
    {
        private const string Id = "openmsistream.t.g.0123456789ab";

        [Fact]
        public void WithoutAResultTopicOrWithOffNothingIsAskedOfTheBroker()
        {
            var asked = new List<string>();
            Assert.Equal(ResultDelivery.None, Decide(ExactlyOnceMode.On, hasTopic: false, asked).Delivery);
            ResultDeliveryDecision off = Decide(ExactlyOnceMode.Off, hasTopic: true, asked);
            Assert.Equal((ResultDelivery.AtLeastOnce, "results: at-least-once (exactly-once turned off)"), (off.Delivery, off.Describe()));
            Assert.Empty(asked);
        }

        [Fact]
        public void ABrokerOlderThanKafka011GivesAtLeastOnceOnAutoAndAnErrorOnOn()
        {
            var asked = new List<string>();
            ResultDeliveryDecision auto = Decide(ExactlyOnceMode.Auto, hasTopic: true, asked, tooOld: "it is Kafka 0.9.0");
            Assert.Equal("results: at-least-once (it is Kafka 0.9.0)", auto.Describe());
            Assert.Equal(new[] { "version" }, asked); // neither the cluster id nor InitTransactions is tried

            var error = Assert.Throws<OpenMsiStreamException>(() => Decide(ExactlyOnceMode.On, hasTopic: true, new List<string>(), tooOld: "it is Kafka 0.9.0"));
            Assert.Equal(ErrorIds.ExactlyOnceUnavailable, error.ErrorId);
            Assert.StartsWith("Exactly-once results were asked for, but it is Kafka 0.9.0.", error.Message);
        }

        [Fact]
        public void TheEmbeddedBrokerGivesAtLeastOnceOnAutoAndTransactionsWithACaveatOnOn()
        {
            var asked = new List<string>();
            ResultDeliveryDecision auto = Decide(ExactlyOnceMode.Auto, hasTopic: true, asked, embedded: true);
            Assert.Equal(ResultDelivery.AtLeastOnce, auto.Delivery);
            Assert.Equal(new[] { "version", "embedded" }, asked);

            asked.Clear();
            ResultDeliveryDecision on = Decide(ExactlyOnceMode.On, hasTopic: true, asked, embedded: true);
            Assert.Equal((ResultDelivery.ExactlyOnce, Id), (on.Delivery, on.TransactionalId));
            Assert.EndsWith("so nothing is exactly-once on it", on.Describe());
            Assert.Equal(new[] { "version", "embedded", "init" }, asked);
        }

        [Fact]
        public void ABrokerThatRefusesTransactionsGivesAtLeastOnceOnAutoAndAnErrorOnOn()
        {
            ResultDeliveryDecision auto = Decide(ExactlyOnceMode.Auto, hasTopic: true, new List<string>(), refusal: "Transactional Id authorization failed");
            Assert.Equal("results: at-least-once (the broker refused Kafka transactions: Transactional Id authorization failed)", auto.Describe());
            var error = Assert.Throws<OpenMsiStreamException>(() => Decide(ExactlyOnceMode.On, hasTopic: true, new List<string>(), refusal: "Transactional Id authorization failed"));
            Assert.Equal(ErrorIds.ExactlyOnceUnavailable, error.ErrorId);
        }

        [Fact]
        public void ABrokerWithTransactionsGivesExactlyOnceWithTheTransactionalId()
        {
            ResultDeliveryDecision decision = Decide(ExactlyOnceMode.Auto, hasTopic: true, new List<string>());
            Assert.Equal((ResultDelivery.ExactlyOnce, Id, (string?)null), (decision.Delivery, decision.TransactionalId, decision.Caveat));
            Assert.Equal($"results: exactly-once (Kafka transactions, transactional.id '{Id}'; consumers of the result topic need isolation.level=read_committed)", decision.Describe());
        }

        private static ResultDeliveryDecision Decide(ExactlyOnceMode mode, bool hasTopic, List<string> asked, string? tooOld = null, bool embedded = false, string? refusal = null) =>
            ResultDeliveryDecision.Decide(mode, hasTopic,
                () => { asked.Add("version"); return tooOld; },
                () => { asked.Add("embedded"); return embedded; },
                Id,
                () => { asked.Add("init"); return refusal; });
    }
}
