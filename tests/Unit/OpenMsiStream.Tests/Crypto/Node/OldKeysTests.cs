using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Crypto.Data;
using Xunit;

namespace OpenMsiStream.Tests.Crypto.Node
{
    /// <summary>The producer's persisted keys (transcript step P6; primitives.json wrap_opaque).</summary>
    public class OldKeysTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("oldkeys");

        public static TheoryData<int> WrapCases => CryptoVectors.Cases("wrap_opaque");

        public void Dispose() => _temp.Dispose();

        /// <summary>The after-run producer (its .config has oldkeys) with its unchanged .crypto, in a temporary copy.</summary>
        private CryptoNodeFiles AfterRunProducer()
        {
            string folder = CryptoVectors.CopyNode("nodes/after_run/kcv_producer", _temp.Combine("p"));
            File.Copy(CryptoVectors.PathOf("nodes/provisioned/kcv_producer/kcv_producer.crypto"), Path.Combine(folder, "kcv_producer.crypto"));
            return CryptoNodeFiles.Load(Path.Combine(folder, "kcv_producer.config"));
        }

        [Theory]
        [MemberData(nameof(WrapCases))]
        public void WrapWithTheGivenNonceMatchesAndUnwraps(int index)
        {
            JsonElement c = CryptoVectors.Case("wrap_opaque", index);
            byte[] wrapped = OldKeys.Wrap(c.Hex("ek"), c.Hex("plaintext"), c.Hex("nonce"));
            Assert.Equal(c.Hex("wrapped"), wrapped);
            Assert.Equal(c.Hex("plaintext"), OldKeys.Unwrap(c.Hex("ek"), wrapped));
        }

        [Fact]
        public void TheAfterRunOldKeysHoldTheProducersTopicSecret()
        {
            JsonElement expected = CryptoVectors.Transcript.GetProperty("secrets").GetProperty("kcv_producer").GetProperty("oldkeys");
            JsonElement pgen = expected.GetProperty("plaintext_decoded").GetProperty("pgens")[0];
            CryptoNodeFiles node = AfterRunProducer();
            Assert.Equal(expected.Hex("ek"), node.WrappingKey);

            ProducerKey key = Assert.Single(OldKeys.Read(node));

            Assert.Equal("kcv", key.Root);
            Assert.Equal(KeyIndex.FromBytes(pgen[1].Hex()), key.KeyIndex);
            Assert.Equal(pgen[2].Hex(), key.Secret);
            Assert.Equal(pgen[3].GetDouble(), key.Birth);
            Assert.Equal(expected.Hex("plaintext_msgpack"), OldKeys.Encode(new[] { key }));
            Assert.Equal(expected.Hex("wrapped"), OldKeys.Wrap(node.WrappingKey, OldKeys.Encode(new[] { key }), expected.Hex("nonce")));
            Assert.Equal(expected.Hex("plaintext_msgpack"), OldKeys.Unwrap(node.WrappingKey, expected.Hex("wrapped")));
        }

        [Fact]
        public void SaveRewritesOnlyOldKeysAndReadsBack()
        {
            CryptoNodeFiles node = AfterRunProducer();
            string before = File.ReadAllText(node.ConfigPath);
            var keys = new[]
            {
                new ProducerKey("kcv", KeyIndex.FromBytes(Enumerable.Repeat((byte)7, 32).ToArray()), Enumerable.Repeat((byte)9, 32).ToArray(), 1795495383.5),
                new ProducerKey("other", KeyIndex.FromNumber(12), Enumerable.Repeat((byte)1, 32).ToArray(), 1795000000),
            };

            OldKeys.Save(node, keys);

            string[] oldLines = before.Split('\n');
            string[] newLines = File.ReadAllText(node.ConfigPath).Split('\n');
            Assert.Equal(oldLines.Length, newLines.Length);
            Assert.Single(oldLines.Zip(newLines), p => p.First != p.Second);
            Assert.StartsWith("oldkeys : base64#", newLines.Single(l => l.StartsWith("oldkeys")));
            var read = OldKeys.Read(node);
            Assert.Equal(keys.Select(k => (k.Root, k.KeyIndex, Hex.Lower(k.Secret), k.Birth)), read.Select(k => (k.Root, k.KeyIndex, Hex.Lower(k.Secret), k.Birth)));
        }

        [Fact]
        public void ANodeWithoutOldKeysHasNone()
        {
            string folder = CryptoVectors.CopyNode("nodes/provisioned/kcv_producer", _temp.Combine("fresh"));
            CryptoNodeFiles node = CryptoNodeFiles.Load(Path.Combine(folder, "kcv_producer.config"));
            Assert.Empty(OldKeys.Read(node));
            OldKeys.Save(node, Array.Empty<ProducerKey>());
            Assert.Empty(OldKeys.Read(node));
            Assert.Contains("[kcv_producer-crypto]\nmaxage : 316224000\noldkeys : base64#", File.ReadAllText(node.ConfigPath));
        }

        [Fact]
        public void OldKeysUnderAnotherWrappingKeyAreInvalid()
        {
            CryptoNodeFiles node = AfterRunProducer();
            string config = File.ReadAllText(node.ConfigPath);
            string other = "oldkeys : base64#" + Convert.ToBase64String(OldKeys.Wrap(new byte[32], OldKeys.Encode(Array.Empty<ProducerKey>())));
            File.WriteAllText(node.ConfigPath, string.Join("\n", config.Split('\n').Select(l => l.StartsWith("oldkeys") ? other : l)));
            var ex = Assert.Throws<OpenMsiStreamException>(() => OldKeys.Read(node));
            Assert.Equal(ErrorIds.CryptoNodeInvalid, ex.ErrorId);
            Assert.Contains(node.ConfigPath, ex.Message);
        }

        [Fact]
        public void UnwrapRefusesShortOrTamperedInput()
        {
            JsonElement c = CryptoVectors.Case("wrap_opaque", 1);
            byte[] wrapped = c.Hex("wrapped");
            wrapped[^1] ^= 1;
            Assert.Null(OldKeys.Unwrap(c.Hex("ek"), wrapped));
            Assert.Null(OldKeys.Unwrap(c.Hex("ek"), new byte[39]));
        }
    }
}
