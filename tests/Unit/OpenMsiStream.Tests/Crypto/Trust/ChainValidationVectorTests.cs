using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using OpenMsiStream.Crypto.Primitives;
using OpenMsiStream.Crypto.Trust;
using Xunit;
using static OpenMsiStream.Tests.Crypto.Trust.KafkaCryptoVectorFiles;

namespace OpenMsiStream.Tests.Crypto.Trust
{
    /// <summary>Agreement with the real <c>process_chain</c> and Ed25519 signatures (signatures.json).</summary>
    public class ChainValidationVectorTests
    {
        public static IEnumerable<object[]> Cases() =>
            Enumerable.Range(0, Signatures.GetProperty("chain_validation").GetProperty("cases").GetArrayLength()).Select(i => new object[] { i });

        [Fact]
        public void ThereAreTwentyThreeCases() => Assert.Equal(23, Cases().Count());

        [Theory]
        [MemberData(nameof(Cases))]
        public void ValidatorAgreesWithTheLibrary(int index)
        {
            JsonElement vector = Signatures.GetProperty("chain_validation").GetProperty("cases")[index];
            var trust = new TrustStore(
                vector.GetProperty("allowlist").EnumerateArray().Select(Hex),
                vector.GetProperty("denylist").EnumerateArray().Select(Hex));
            IReadOnlyList<byte[]> chain = ChainValidator.ParseChain(Hex(vector.GetProperty("chain")));

            ChainValidation result = ChainValidator.Validate(chain, vector.GetProperty("topic").GetString(), vector.GetProperty("usage").GetString(), trust, Now);

            bool expectedValid = vector.GetProperty("valid").GetBoolean();
            Assert.True(expectedValid == result.IsValid, $"{vector.GetProperty("name").GetString()}: expected valid={expectedValid}, reason '{result.Reason}'");
            if (!expectedValid)
            {
                Assert.NotEmpty(result.Reason);
                return;
            }
            Assert.Empty(result.Reason);
            JsonElement expected = vector.GetProperty("result");
            Assert.Equal(expected.GetProperty("max_age").GetDouble(), result.MaxAge);
            Assert.Equal(Hex(expected.GetProperty("poison_msgpack")), result.PoisonMsgpack);
            AssertMatches(expected.GetProperty("key_field"), result.KeyField!);
            Assert.Equal(expected.GetProperty("extra").GetArrayLength(), result.Extra.Count);
            int i = 0;
            foreach (JsonElement extra in expected.GetProperty("extra").EnumerateArray())
            {
                AssertMatches(extra, result.Extra[i++]);
            }
            Assert.Equal(expected.GetProperty("signer_pks").EnumerateArray().Select(Hex).ToList(), result.SignerKeys);
        }

        public static IEnumerable<object[]> SignedElements()
        {
            foreach (JsonProperty node in Signatures.GetProperty("node_chains").EnumerateObject())
            {
                int count = node.Value.GetProperty("elements").GetArrayLength();
                for (int i = 0; i < count; i++)
                {
                    yield return new object[] { node.Name, i };
                }
            }
            for (int i = 0; i < Signatures.GetProperty("exchange_leaves").GetArrayLength(); i++)
            {
                yield return new object[] { "exchange_leaves", i };
            }
        }

        [Theory]
        [MemberData(nameof(SignedElements))]
        public void SignedElementsVerifyAndReSignByteIdentically(string group, int index)
        {
            JsonElement element = group == "exchange_leaves"
                ? Signatures.GetProperty("exchange_leaves")[index]
                : Signatures.GetProperty("node_chains").GetProperty(group).GetProperty("elements")[index];
            byte[] signed = Hex(element.GetProperty("signed"));
            byte[] message = Hex(element.GetProperty("message"));
            string signerPk = element.GetProperty("signer_pk").GetString()!;

            Assert.Equal(message, SodiumPrimitives.SignOpen(signed, Hex(signerPk)));
            Assert.Equal(Hex(element.GetProperty("signature")), signed.Take(64).ToArray());
            Assert.Equal(signed, CertificateSigner.Sign(message, SecretKeysByPublicKey()[signerPk]));
            Assert.True(Certificate.TryParse(message, out Certificate? cert, out string reason), reason);
            Assert.Equal(element.GetProperty("message_decoded").GetProperty("max_age").GetDouble(), cert!.MaxAge);
        }

        [Fact]
        public void NodeChainsInTheTranscriptAreTheSignedElements()
        {
            foreach (JsonProperty node in Signatures.GetProperty("node_chains").EnumerateObject())
            {
                IReadOnlyList<byte[]> chain = ChainValidator.ParseChain(Hex(node.Value.GetProperty("chain0")));
                Assert.Equal(node.Value.GetProperty("elements").EnumerateArray().Select(e => Hex(e.GetProperty("signed"))).ToList(), chain);
                Assert.Equal(NodeChain(node.Name), chain);
                Assert.Equal(Hex(node.Value.GetProperty("chain0")), ChainCodec.Pack(chain));
            }
        }
    }
}
