using System;
using System.Collections.Generic;
using System.Text.Json;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Exchange;
using OpenMsiStream.Crypto.Primitives;
using OpenMsiStream.Crypto.Trust;
using Xunit;
using static OpenMsiStream.Tests.Crypto.Trust.KafkaCryptoVectorFiles;

namespace OpenMsiStream.Tests.Crypto.Exchange
{
    /// <summary>The golden transcript's key exchange, replayed byte for byte (replay steps C1, P4, P5, C2).</summary>
    public class TranscriptReplayTests
    {
        private static JsonElement ConsumerRequest => Transcript.GetProperty("secrets").GetProperty("kcv_consumer").GetProperty("requests")[0];

        private static JsonElement ProducerResponse => Transcript.GetProperty("secrets").GetProperty("kcv_producer").GetProperty("response");

        private static KeyIndex ProducerKeyIndex => KeyIndex.FromBytes(Hex(Transcript.GetProperty("secrets").GetProperty("kcv_producer").GetProperty("key_derivation").GetProperty("key_index")));

        private static byte[] TopicSecret => Hex(Transcript.GetProperty("secrets").GetProperty("kcv_producer").GetProperty("key_derivation").GetProperty("topic_secret"));

        [Fact]
        public void C1_RequestIsMessagesFourAndFive()
        {
            ExchangeMessage request = BuildConsumerRequest();

            Assert.Equal(Message("04_kcv.subs_p0_o0.key.bin"), request.Key);
            Assert.Equal(Message("04_kcv.subs_p0_o0.value.bin"), request.Value);
            Assert.Equal(Message("05_kcv.reqs_p0_o0.key.bin"), request.Key);
            Assert.Equal(Message("05_kcv.reqs_p0_o0.value.bin"), request.Value);
            Assert.Equal(546, request.Value.Length);
        }

        [Fact]
        public void C1_ConsumerChainAllowsDirectRequests()
        {
            Assert.True(ChainValidator.Validate(NodeChain("kcv_consumer"), Root, KeyExchange.UsageRequest, GoldenTrust, Now).IsValid);
            Assert.False(ChainValidator.Validate(NodeChain("kcv_producer"), Root, KeyExchange.UsageRequest, GoldenTrust, Now).IsValid);
        }

        [Fact]
        public void P4_ProducerAcceptsTheRequest()
        {
            KeyRequest request = ReadRequest();

            Assert.Equal(new[] { ProducerKeyIndex }, request.Wanted);
            Assert.Equal(Hex(ConsumerRequest.GetProperty("ephemeral_pk")), request.PeerPublicKey);
            Assert.Equal(Hex(ConsumerRequest.GetProperty("random0")), request.Random0);
            Assert.Equal(2111719229.756208, request.ExpiresAt);
        }

        [Fact]
        public void P4_ValidationResultMatchesTheLibrary()
        {
            JsonElement expected = Transcript.GetProperty("secrets").GetProperty("kcv_producer").GetProperty("request_chain_validation");
            ChainValidation result = ChainValidator.Validate(ChainValidator.ParseChain(Message("05_kcv.reqs_p0_o0.value.bin")), Root, KeyExchange.UsageRequest, GoldenTrust, Now);

            Assert.True(result.IsValid, result.Reason);
            Assert.Equal(expected.GetProperty("result_max_age").GetDouble(), result.MaxAge);
            Assert.Equal(Hex(expected.GetProperty("result_poison_msgpack")), result.PoisonMsgpack);
            AssertMatches(expected.GetProperty("result_leaf_pk_field"), result.KeyField!);
            AssertMatches(expected.GetProperty("result_extra")[0], Assert.Single(result.Extra));
        }

        [Fact]
        public void P5_ResponseIsMessageSix()
        {
            ExchangeMessage response = BuildProducerResponse(ReadRequest());

            Assert.Equal(Message("06_kcv.keys_p0_o0.key.bin"), response.Key);
            Assert.Equal(Message("06_kcv.keys_p0_o0.value.bin"), response.Value);
            Assert.Equal(603, response.Value.Length);
        }

        [Fact]
        public void C2_ConsumerOpensTheResponse()
        {
            byte[] random0 = Hex(ConsumerRequest.GetProperty("random0"));
            byte[] esk = Hex(ConsumerRequest.GetProperty("ephemeral_sk"));

            bool opened = KeyExchange.TryOpenResponse(Root, Message("06_kcv.keys_p0_o0.key.bin"), Message("06_kcv.keys_p0_o0.value.bin"), GoldenTrust, Now,
                r0 => r0.AsSpan().SequenceEqual(random0) ? esk : null, out IReadOnlyList<(KeyIndex KeyIndex, byte[] Secret)> keys, out byte[]? echoed, out string reason);

            Assert.True(opened, reason);
            Assert.Equal(random0, echoed);
            (KeyIndex keyIndex, byte[] secret) = Assert.Single(keys);
            Assert.Equal(ProducerKeyIndex, keyIndex);
            Assert.Equal(TopicSecret, secret);
        }

        [Fact]
        public void C2_SharedSecretMatchesTheTranscript()
        {
            JsonElement processing = Transcript.GetProperty("secrets").GetProperty("kcv_consumer").GetProperty("response_processing");
            byte[] kem = SodiumPrimitives.X25519(Hex(processing.GetProperty("own_ephemeral_sk")), Hex(processing.GetProperty("peer_ephemeral_pk")));

            Assert.Equal(Hex(processing.GetProperty("x25519_shared")), kem);
            Assert.Equal(Hex(processing.GetProperty("ss")),
                ResponseBox.SharedSecret(Root, Hex(ProducerResponse.GetProperty("random0")), Hex(ProducerResponse.GetProperty("random1")), kem));
        }

        internal static ExchangeMessage BuildConsumerRequest() =>
            KeyExchange.BuildRequest(Root, new[] { ProducerKeyIndex }, NodeSecretKey("kcv_consumer"), NodeChain("kcv_consumer"),
                ConsumerRequest.GetProperty("leaf_max_age").GetDouble(), Hex(ConsumerRequest.GetProperty("ephemeral_sk")), Hex(ConsumerRequest.GetProperty("random0")));

        internal static KeyRequest ReadRequest()
        {
            Assert.True(KeyExchange.TryReadRequest(Root, Message("05_kcv.reqs_p0_o0.key.bin"), Message("05_kcv.reqs_p0_o0.value.bin"), GoldenTrust, Now,
                out KeyRequest? request, out string reason), reason);
            Assert.Empty(reason);
            return request!;
        }

        internal static ExchangeMessage BuildProducerResponse(KeyRequest request) =>
            KeyExchange.BuildResponse(Root, new[] { (ProducerKeyIndex, TopicSecret) }, request, NodeSecretKey("kcv_producer"), NodeChain("kcv_producer"),
                ProducerResponse.GetProperty("leaf_max_age").GetDouble(), Hex(ProducerResponse.GetProperty("ephemeral_sk")),
                Hex(ProducerResponse.GetProperty("random1")), Hex(ProducerResponse.GetProperty("box_nonce")));
    }
}
