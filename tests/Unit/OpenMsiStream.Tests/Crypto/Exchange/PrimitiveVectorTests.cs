using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Exchange;
using OpenMsiStream.Crypto.Primitives;
using Xunit;
using static OpenMsiStream.Tests.Crypto.Trust.KafkaCryptoVectorFiles;

namespace OpenMsiStream.Tests.Crypto.Exchange
{
    /// <summary>primitives.json: the type-1 response box and three full request/response exchanges.</summary>
    public class PrimitiveVectorTests
    {
        public static IEnumerable<object[]> BoxCases() => Indices("x25519_response_box");

        public static IEnumerable<object[]> ExchangeCases() => Indices("exchange");

        [Fact]
        public void CaseCounts()
        {
            Assert.Equal(5, BoxCases().Count());
            Assert.Equal(3, ExchangeCases().Count());
        }

        [Theory]
        [MemberData(nameof(BoxCases))]
        public void ResponseBoxMatches(int index)
        {
            JsonElement c = Case("x25519_response_box", index);
            byte[] requesterEsk = Hex(c.GetProperty("requester_esk"));
            byte[] responderEsk = Hex(c.GetProperty("responder_esk"));
            Assert.Equal(Hex(c.GetProperty("requester_epk")), SodiumPrimitives.X25519Base(requesterEsk));
            Assert.Equal(Hex(c.GetProperty("responder_epk")), SodiumPrimitives.X25519Base(responderEsk));
            byte[] shared = SodiumPrimitives.X25519(responderEsk, Hex(c.GetProperty("requester_epk")));
            Assert.Equal(Hex(c.GetProperty("x25519_shared")), shared);
            Assert.Equal(shared, SodiumPrimitives.X25519(requesterEsk, Hex(c.GetProperty("responder_epk"))));

            string root = c.GetProperty("root").GetString()!;
            byte[] ss = ResponseBox.SharedSecret(root, Hex(c.GetProperty("random0")), Hex(c.GetProperty("random1")), shared);
            Assert.Equal(Hex(c.GetProperty("ss")), ss);

            Assert.True(ResponseBox.TryOpen(Hex(c.GetProperty("box")), ss, out IReadOnlyList<(KeyIndex KeyIndex, byte[] Secret)> keys, out string reason), reason);
            byte[] plaintext = Hex(c.GetProperty("box_plaintext_msgpack"));
            List<byte[]> expectedItems = OpenMsiStream.Crypto.Encoding.MsgNode.Parse(plaintext).Items.Select(n => n.Bytes).ToList();
            Assert.Equal(expectedItems, keys.SelectMany(k => new[] { k.KeyIndex.Bytes!, k.Secret }).ToList());
            Assert.Equal(Hex(c.GetProperty("box")), ResponseBox.Seal(keys, ss, Hex(c.GetProperty("box_nonce"))));
        }

        [Theory]
        [MemberData(nameof(ExchangeCases))]
        public void ExchangeReplaysByteForByte(int index)
        {
            JsonElement c = Case("exchange", index);
            byte[][] draws = c.GetProperty("random_draws_in_order").EnumerateArray().Select(d => Hex(d.GetProperty("bytes"))).ToArray();
            double maxAge = c.GetProperty("maxage").GetDouble();
            double requestTime = c.GetProperty("time_request").GetDouble();
            double responseTime = c.GetProperty("time_response").GetDouble();
            List<KeyIndex> keyIndices = c.GetProperty("keyidxs").EnumerateArray()
                .Select(k => k.ValueKind == JsonValueKind.Number ? KeyIndex.FromNumber(k.GetInt64()) : KeyIndex.FromBytes(Hex(k))).ToList();
            List<byte[]> secrets = c.GetProperty("secrets").EnumerateArray().Select(Hex).ToList();

            ExchangeMessage request = KeyExchange.BuildRequest(Root, keyIndices, NodeSecretKey("kcv_consumer"), NodeChain("kcv_consumer"), requestTime + maxAge, draws[0], draws[1]);
            Assert.Equal(Hex(c.GetProperty("request_kafka_key")), request.Key);
            Assert.Equal(Hex(c.GetProperty("request_value")), request.Value);

            Assert.True(KeyExchange.TryReadRequest(Root, request.Key, request.Value, GoldenTrust, responseTime, out KeyRequest? read, out string reason), reason);
            Assert.Equal(keyIndices, read!.Wanted);
            Assert.Equal(draws[1], read.Random0);

            var held = keyIndices.Zip(secrets, (k, s) => (k, s)).ToList();
            ExchangeMessage response = KeyExchange.BuildResponse(Root, held, read, NodeSecretKey("kcv_producer"), NodeChain("kcv_producer"), responseTime + maxAge, draws[2], draws[3], draws[4]);
            Assert.Equal(Hex(c.GetProperty("response_kafka_key")), response.Key);
            Assert.Equal(Hex(c.GetProperty("response_value")), response.Value);

            Assert.True(KeyExchange.TryOpenResponse(Root, response.Key, response.Value, GoldenTrust, responseTime,
                r0 => r0.AsSpan().SequenceEqual(draws[1]) ? draws[0] : null, out IReadOnlyList<(KeyIndex KeyIndex, byte[] Secret)> keys, out byte[]? random0, out reason), reason);
            Assert.Equal(draws[1], random0);
            var decrypted = c.GetProperty("consumer_decrypted").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
            Assert.Equal(decrypted.Count, keys.Count);
            foreach ((KeyIndex keyIndex, byte[] secret) in keys)
            {
                string name = keyIndex.Bytes != null ? Convert.ToHexString(keyIndex.Bytes).ToLowerInvariant() : keyIndex.Number!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(decrypted[name], Convert.ToHexString(secret).ToLowerInvariant());
            }
        }

        private static IEnumerable<object[]> Indices(string section) =>
            Enumerable.Range(0, Primitives.GetProperty(section).GetProperty("cases").GetArrayLength()).Select(i => new object[] { i });

        private static JsonElement Case(string section, int index) => Primitives.GetProperty(section).GetProperty("cases")[index];
    }
}
