using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Exchange;
using OpenMsiStream.Crypto.Primitives;
using OpenMsiStream.Crypto.Trust;
using OpenMsiStream.Tests.Crypto.Trust;
using Xunit;
using static OpenMsiStream.Tests.Crypto.Trust.KafkaCryptoVectorFiles;

namespace OpenMsiStream.Tests.Crypto.Exchange
{
    /// <summary>Requests and responses that must be refused, with a reason and without an exception.</summary>
    public class KeyExchangeNegativeTests
    {
        private static readonly byte[] RequestKey = Message("05_kcv.reqs_p0_o0.key.bin");
        private static readonly byte[] RequestValue = Message("05_kcv.reqs_p0_o0.value.bin");
        private static readonly byte[] ResponseKey = Message("06_kcv.keys_p0_o0.key.bin");
        private static readonly byte[] ResponseValue = Message("06_kcv.keys_p0_o0.value.bin");
        private static readonly KeyIndex SomeKeyIndex = KeyIndex.FromBytes(new byte[32]);
        private static readonly byte[] Random0 = Enumerable.Repeat((byte)7, 32).ToArray();
        private static readonly byte[] ConsumerEsk = Enumerable.Repeat((byte)9, 32).ToArray();

        private static JsonElement ConsumerRequest => Transcript.GetProperty("secrets").GetProperty("kcv_consumer").GetProperty("requests")[0];

        [Fact]
        public void TamperedRequestSignatureIsRefused()
        {
            IReadOnlyList<byte[]> elements = ChainValidator.ParseChain(RequestValue);
            byte[] leaf = (byte[])elements[^1].Clone();
            leaf[10] ^= 0x01;
            byte[] tampered = ChainCodec.Pack(elements.Take(elements.Count - 1).ToList(), leaf);

            Assert.False(KeyExchange.TryReadRequest(Root, RequestKey, tampered, GoldenTrust, Now, out KeyRequest? request, out string reason));
            Assert.Null(request);
            Assert.Contains("signature of element 3 does not verify", reason);
        }

        [Fact]
        public void RequestChainedToAnUnknownRootIsRefused()
        {
            var rot = new TestPki.Key(11);
            var provisioner = new TestPki.Key(12);
            byte[] nodeSk = NodeSecretKey("kcv_consumer");
            var chain = new[]
            {
                rot.Issue(0, TestPki.Usages(KeyExchange.UsageRequest, KeyExchange.UsageSubscribe), provisioner.PublicKey),
                provisioner.Issue(TestPki.Future, TestPki.NodePoison(Root, KeyExchange.UsageRequest, KeyExchange.UsageSubscribe), SodiumPrimitives.SignPublicKeyOf(nodeSk)),
            };
            ExchangeMessage forged = KeyExchange.BuildRequest(Root, new[] { SomeKeyIndex }, nodeSk, chain, TestPki.Future, ConsumerEsk, Random0);

            Assert.False(KeyExchange.TryReadRequest(Root, forged.Key, forged.Value, GoldenTrust, Now, out _, out string reason));
            Assert.Contains("request chain", reason);
            // The same request is fine for a producer that trusts that root.
            Assert.True(KeyExchange.TryReadRequest(Root, forged.Key, forged.Value, new TrustStore(new[] { rot.Entry() }), Now, out _, out reason), reason);
        }

        [Fact]
        public void RequestFromAProducerOnlyNodeIsRefused()
        {
            ExchangeMessage request = KeyExchange.BuildRequest(Root, new[] { SomeKeyIndex }, NodeSecretKey("kcv_producer"), NodeChain("kcv_producer"), TestPki.Future, ConsumerEsk, Random0);

            Assert.False(KeyExchange.TryReadRequest(Root, request.Key, request.Value, GoldenTrust, Now, out _, out string reason));
            Assert.Contains("usage 'key-encrypt-request' not allowed", reason);
        }

        [Fact]
        public void RequestForAnotherRootIsRefused()
        {
            Assert.False(KeyExchange.TryReadRequest("other", RequestKey, RequestValue, GoldenTrust, Now, out _, out string reason));
            Assert.Contains("topic 'other' not allowed", reason);
        }

        [Fact]
        public void ExpiredRequestIsRefused()
        {
            Assert.False(KeyExchange.TryReadRequest(Root, RequestKey, RequestValue, GoldenTrust, 2111719229.756208 + 1, out _, out string reason));
            Assert.Contains("expired", reason);
        }

        [Fact]
        public void ResponseToAnUnknownRandom0IsRefused()
        {
            Assert.False(KeyExchange.TryOpenResponse(Root, ResponseKey, ResponseValue, GoldenTrust, Now, _ => null,
                out IReadOnlyList<(KeyIndex KeyIndex, byte[] Secret)> keys, out byte[]? random0, out string reason));
            Assert.Empty(keys);
            Assert.Null(random0);
            Assert.Equal("not a response to an outstanding request", reason);
        }

        [Fact]
        public void ResponseWithTheWrongEphemeralSecretDoesNotOpen()
        {
            Assert.False(KeyExchange.TryOpenResponse(Root, ResponseKey, ResponseValue, GoldenTrust, Now, _ => ConsumerEsk, out _, out _, out string reason));
            Assert.Contains("does not open", reason);
        }

        [Fact]
        public void ResponseSignedByAConsumerIsRefused()
        {
            KeyRequest request = TranscriptReplayTests.ReadRequest();
            ExchangeMessage fake = KeyExchange.BuildResponse(Root, new[] { (SomeKeyIndex, new byte[32]) }, request, NodeSecretKey("kcv_consumer"), NodeChain("kcv_consumer"),
                TestPki.Future, ConsumerEsk, Random0, new byte[24]);
            Assert.False(KeyExchange.TryOpenResponse(Root, fake.Key, fake.Value, GoldenTrust, Now, _ => Hex(ConsumerRequest.GetProperty("ephemeral_sk")), out _, out _, out string reason));
            Assert.Contains("usage 'key-encrypt' not allowed", reason);
        }

        [Fact]
        public void RequestWithOnlyPostQuantumKeysIsRefusedWithAReason()
        {
            byte[] pq5 = Versioned(5, 1568);
            byte[] pq2 = Versioned(2, 1158);
            Assert.False(TryReadCustomRequest(w => w.ArrayHeader(2).Raw(pq5).Raw(pq2), out _, out string reason));
            Assert.Contains("post-quantum", reason);
            Assert.False(TryReadCustomRequest(w => w.Raw(pq5), out _, out reason));
            Assert.Contains("post-quantum", reason);
        }

        [Fact]
        public void PostQuantumEntriesAreSkippedForTheFirstX25519Key()
        {
            byte[] epk = SodiumPrimitives.X25519Base(ConsumerEsk);
            Assert.True(TryReadCustomRequest(w => w.ArrayHeader(3).Raw(Versioned(5, 1568)).Raw(Versioned(2, 1158)).Bin(epk), out KeyRequest? request, out string reason), reason);
            Assert.Equal(epk, request!.PeerPublicKey);
            Assert.Equal(Random0, request.Random0);
        }

        [Fact]
        public void LegacyBareKeyRequestIsAccepted()
        {
            byte[] epk = SodiumPrimitives.X25519Base(ConsumerEsk);
            Assert.True(TryReadCustomRequest(w => w.Bin(epk), out KeyRequest? request, out string reason), reason);
            Assert.Equal(epk, request!.PeerPublicKey);
            Assert.True(TryReadCustomRequest(w => w.ArrayHeader(2).Int(1).Bin(epk), out request, out reason), reason);
            Assert.Equal(epk, request!.PeerPublicKey);
        }

        [Fact]
        public void LowOrderEphemeralKeyIsRefused()
        {
            Assert.False(TryReadCustomRequest(w => w.ArrayHeader(1).Bin(new byte[32]), out _, out string reason));
            Assert.Contains("low-order", reason);
        }

        [Fact]
        public void RequestKeyMustBeAListOfKeyIndices()
        {
            Assert.False(KeyExchange.TryReadRequest(Root, new byte[] { 0xc4, 0x01, 0x00 }, RequestValue, GoldenTrust, Now, out _, out string reason));
            Assert.Contains("key indices", reason);
            Assert.False(KeyExchange.TryReadRequest(Root, new byte[] { 0x91, 0xc0 }, RequestValue, GoldenTrust, Now, out _, out _));
            Assert.True(KeyExchange.TryReadRequest(Root, new byte[] { 0x92, 0x07, 0xa1, 0x41 }, RequestValue, GoldenTrust, Now, out KeyRequest? request, out reason), reason);
            Assert.Equal(new[] { KeyIndex.FromNumber(7), KeyIndex.FromBytes(new byte[] { 0x41 }) }, request!.Wanted);
        }

        [Fact]
        public void GarbageNeverThrows()
        {
            var inputs = new List<byte[]?> { null, Array.Empty<byte>(), new byte[] { 0xc1 }, new byte[] { 0xdd, 0xff, 0xff, 0xff, 0xff }, new byte[] { 0xc6, 0x7f, 0xff, 0xff, 0xff, 0x00 }, TestData(500) };
            foreach (byte[]? key in inputs)
            {
                foreach (byte[]? value in inputs)
                {
                    Assert.False(KeyExchange.TryReadRequest(Root, key!, value!, GoldenTrust, Now, out _, out string reason));
                    Assert.NotEmpty(reason);
                    Assert.False(KeyExchange.TryOpenResponse(Root, key!, value!, GoldenTrust, Now, _ => ConsumerEsk, out _, out _, out reason));
                    Assert.NotEmpty(reason);
                }
            }
        }

        [Fact]
        public void MutatedRecordsNeverThrow()
        {
            byte[] esk = Hex(ConsumerRequest.GetProperty("ephemeral_sk"));
            var random = new Random(11);
            for (int n = 0; n < 1500; n++)
            {
                byte[] request = Mutate(RequestValue, random);
                byte[] response = Mutate(ResponseValue, random);
                byte[] key = Mutate(RequestKey, random);
                KeyExchange.TryReadRequest(Root, key, request, GoldenTrust, Now, out _, out _);
                KeyExchange.TryOpenResponse(Root, key, response, GoldenTrust, Now, _ => esk, out _, out _, out _);
            }
        }

        private static bool TryReadCustomRequest(Action<MsgWriter> writeKeyField, out KeyRequest? request, out string reason)
        {
            var writer = new MsgWriter().ArrayHeader(4).Float64(TestPki.Future).Bin(PoisonWriter.ForLeaf(Root, KeyExchange.UsageRequest, KeyExchange.UsageSubscribe));
            writeKeyField(writer);
            byte[] leaf = writer.Bin(Random0).ToArray();
            byte[] value = ChainCodec.Pack(NodeChain("kcv_consumer"), CertificateSigner.Sign(leaf, NodeSecretKey("kcv_consumer")));
            return KeyExchange.TryReadRequest(Root, RequestKey, value, GoldenTrust, Now, out request, out reason);
        }

        private static byte[] Versioned(int version, int pqLength) =>
            new MsgWriter().ArrayHeader(2).Int(version).ArrayHeader(2).Bin(SodiumPrimitives.X25519Base(ConsumerEsk)).Bin(new byte[pqLength]).ToArray();

        private static byte[] Mutate(byte[] original, Random random)
        {
            byte[] copy = (byte[])original.Clone();
            switch (random.Next(3))
            {
                case 0:
                    copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                    return copy;
                case 1:
                    copy[random.Next(copy.Length)] = (byte)random.Next(256);
                    return copy;
                default:
                    return copy.Take(random.Next(copy.Length)).ToArray();
            }
        }

        private static byte[] TestData(int length)
        {
            var bytes = new byte[length];
            new Random(3).NextBytes(bytes);
            return bytes;
        }
    }
}
