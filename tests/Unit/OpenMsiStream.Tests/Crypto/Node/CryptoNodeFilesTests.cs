using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Crypto.Primitives;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Crypto.Data;
using Xunit;

namespace OpenMsiStream.Tests.Crypto.Node
{
    /// <summary>Loading the golden nodes (step P0) and every way a node can be unusable.</summary>
    public class CryptoNodeFilesTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("cryptonode");

        public void Dispose() => _temp.Dispose();

        private static string VectorConfig(string node) => CryptoVectors.PathOf($"nodes/provisioned/{node}/{node}.config");

        private string CopyProducer() => Path.Combine(CryptoVectors.CopyNode("nodes/provisioned/kcv_producer", _temp.Combine("p")), "kcv_producer.config");

        [Theory]
        [InlineData("kcv_producer")]
        [InlineData("kcv_consumer")]
        public void TheProvisionedNodesLoadAsTheTranscriptDescribesThem(string node)
        {
            JsonElement facts = CryptoVectors.Transcript.GetProperty("nodes").GetProperty(node);

            CryptoNodeFiles files = CryptoNodeFiles.Load(VectorConfig(node));

            Assert.Equal(node, files.NodeId);
            SigningKey key = Assert.Single(files.SigningKeys);
            Assert.Equal(1, key.Type);
            Assert.Equal(facts.Hex("signing_pk"), key.PublicKey);
            Assert.Equal(facts.GetProperty("crypto_decoded").GetProperty("signing_sk")[0].Hex(), key.SecretKey);
            Assert.Equal(facts.Hex("node_id_bytes"), files.NodeIdBytes);
            Assert.Equal(facts.GetProperty("crypto_decoded").Hex("ek"), files.WrappingKey);
            Assert.Equal(new[] { 5, 2, 1 }, files.EphemeralTypes);
            Assert.False(files.EphemeralLegacy);
            Assert.Equal(facts.Hex("chain0"), files.ChainRaw);
            Assert.Equal(facts.GetProperty("chain0_elements").EnumerateArray().Select(e => e.Hex()), files.ChainElements);
            Assert.True(files.IsProvisioned);
            Assert.Equal(facts.Hex("allowlist_rot0"), Assert.Single(files.Allowlist));
            Assert.Empty(files.Denylist);
            Assert.False(files.DroppedTemporaryRoot);
            Assert.Equal(facts.GetProperty("maxage").GetDouble(), files.MaxAge);
            Assert.Equal(5, files.SubscriptionInterval);
            Assert.True(files.LongKeyIndex);
            Assert.Equal(".", files.TopicSeparator);
            Assert.Equal(".reqs", files.RequestsSuffix);
            Assert.Equal(".keys", files.KeysSuffix);
            Assert.Equal(".subs", files.SubscriptionsSuffix);
            Assert.Equal(Path.Combine(files.DirectoryPath, node + ".crypto"), files.CryptoPath);
            Assert.Equal(Path.Combine(files.DirectoryPath, node + ".seed"), files.SeedPath);
            Assert.DoesNotContain(Hex.Lower(key.SecretKey), key.ToString() + files.ToString());
        }

        [Fact]
        public void DefaultsApplyWhenSettingsAreAbsentAndOverridesAreRead()
        {
            string config = CopyProducer();
            string text = File.ReadAllText(config)
                .Replace("crypto_sub_interval : 5\n", "topic_separator : _\ntopic_suffix_reqs : _requests\nTOPIC_SUFFIX_KEYS : ignored\n")
                .Replace("maxage : 316224000\n", "")
                .Replace("mgmt_long_keyindex : True\n", "")
                .Replace("[DEFAULT]\n", "[DEFAULT]\nmgmt_long_keyindex : False\n");
            File.WriteAllText(config, text);

            CryptoNodeFiles files = CryptoNodeFiles.Load(config);

            Assert.Equal(86400, files.MaxAge);
            Assert.Equal(60, files.SubscriptionInterval);
            Assert.False(files.LongKeyIndex); // from [DEFAULT], as ConfigParser falls back
            Assert.Equal("_", files.TopicSeparator);
            Assert.Equal("_requests", files.RequestsSuffix);
            Assert.Equal(".keys", files.KeysSuffix); // KafkaCrypto stores settings lower-case; other spellings are not its keys
            Assert.Equal(604800, files.MaxProducerKeyAge);
            Assert.Equal("chains", files.ChainsTopic);
        }

        [Fact]
        public void TheTemporaryRootIsNeverTrusted()
        {
            string config = CopyProducer();
            byte[] temporary = new MsgWriter().ArrayHeader(3).Int(0).Bin(new MsgWriter().ArrayHeader(1).ArrayHeader(2).Str("pathlen").Int(2).ToArray())
                .Bin(NodeTrustLists.TemporaryRootPublicKey).ToArray();
            string entry = "base64#" + Convert.ToBase64String(temporary);
            string text = File.ReadAllText(config).Replace("[kcv_producer-allowlist]\n", $"[kcv_producer-allowlist]\ntemporary : {entry}\nsomething_else : {entry}\n");
            File.WriteAllText(config, text);

            CryptoNodeFiles files = CryptoNodeFiles.Load(config);

            Assert.True(files.DroppedTemporaryRoot);
            Assert.Equal(CryptoVectors.Transcript.GetProperty("nodes").GetProperty("kcv_producer").Hex("allowlist_rot0"), Assert.Single(files.Allowlist));
            Assert.Equal("1a13b0aecdd6751c7dfa43e43284326ad01dbc20a8a00b1566092ab0a542620f", Hex.Lower(NodeTrustLists.TemporaryRootPublicKey));
        }

        [Fact]
        public void AMissingConfigIsNotFound()
        {
            string path = _temp.Combine("nope.config");
            var ex = Assert.Throws<OpenMsiStreamException>(() => CryptoNodeFiles.Load(path));
            Assert.Equal(ErrorIds.CryptoNodeNotFound, ex.ErrorId);
            Assert.Contains(path, ex.Message);
        }

        [Theory]
        [InlineData(".crypto")]
        [InlineData(".seed")]
        public void AMissingKeyOrSeedFileIsNotFound(string extension)
        {
            string config = CopyProducer();
            string missing = Path.ChangeExtension(config, extension);
            File.Delete(missing);
            var ex = Assert.Throws<OpenMsiStreamException>(() => CryptoNodeFiles.Load(config));
            Assert.Equal(ErrorIds.CryptoNodeNotFound, ex.ErrorId);
            Assert.Contains(missing, ex.Message);
        }

        [Theory]
        [InlineData("")]
        [InlineData("not msgpack at all")]
        [InlineData("\u0092\u0001")]
        public void AGarbageKeyFileIsInvalid(string content)
        {
            string config = CopyProducer();
            string crypto = Path.ChangeExtension(config, ".crypto");
            File.WriteAllBytes(crypto, content.Select(c => (byte)c).ToArray());
            var ex = Assert.Throws<OpenMsiStreamException>(() => CryptoNodeFiles.Load(config));
            Assert.Equal(ErrorIds.CryptoNodeInvalid, ex.ErrorId);
            Assert.Contains(crypto, ex.Message);
        }

        [Fact]
        public void AGarbageSeedIsInvalidAtLoad()
        {
            string config = CopyProducer();
            string seed = Path.ChangeExtension(config, ".seed");
            File.WriteAllBytes(seed, new byte[] { 0x92, 0x00, 0xc4, 0x01, 0x00 });
            var ex = Assert.Throws<OpenMsiStreamException>(() => CryptoNodeFiles.Load(config));
            Assert.Equal(ErrorIds.CryptoNodeInvalid, ex.ErrorId);
            Assert.Contains(seed, ex.Message);
        }

        [Fact]
        public void ADamagedSigningKeyOrShortWrappingKeyIsInvalid()
        {
            string config = CopyProducer();
            string crypto = Path.ChangeExtension(config, ".crypto");
            CryptoNodeFiles good = CryptoNodeFiles.Load(config);
            byte[] damaged = (byte[])good.SigningKeys[0].SecretKey.Clone();
            damaged[40] ^= 1;
            File.WriteAllBytes(crypto, CryptoKeyFile.Encode(new[] { new SigningKey(1, good.SigningKeys[0].PublicKey, damaged) }, good.WrappingKey, false, new[] { 1 }));
            var ex = Assert.Throws<OpenMsiStreamException>(() => CryptoNodeFiles.Load(config));
            Assert.Equal(ErrorIds.CryptoNodeInvalid, ex.ErrorId);
            Assert.DoesNotContain(Hex.Lower(good.SigningKeys[0].SecretKey.Take(32).ToArray()), ex.Message);

            File.WriteAllBytes(crypto, CryptoKeyFile.Encode(good.SigningKeys, new byte[31], false, new[] { 1 }));
            Assert.Equal(ErrorIds.CryptoNodeInvalid, Assert.Throws<OpenMsiStreamException>(() => CryptoNodeFiles.Load(config)).ErrorId);
        }

        [Fact]
        public void APostQuantumOnlyNodeIsUnsupported()
        {
            string config = CopyProducer();
            string crypto = Path.ChangeExtension(config, ".crypto");
            byte[] ek = CryptoNodeFiles.Load(config).WrappingKey;
            File.WriteAllBytes(crypto, new MsgWriter().ArrayHeader(5).Int(2).ArrayHeader(1).Raw(TypeFourKey(out _)).Bin(ek).Bool(false).ArrayHeader(1).Int(1).ToArray());

            var ex = Assert.Throws<OpenMsiStreamException>(() => CryptoNodeFiles.Load(config));

            Assert.Equal(ErrorIds.CryptoUnsupported, ex.ErrorId);
            Assert.Contains("post-quantum", ex.Message);
            Assert.Contains("type 4", ex.Message);
            Assert.Contains(crypto, ex.Message);
        }

        [Fact]
        public void ATypeFourKeyBesideATypeOneKeyCountsInTheNodeIdButDoesNotSign()
        {
            string config = CopyProducer();
            string crypto = Path.ChangeExtension(config, ".crypto");
            CryptoNodeFiles classical = CryptoNodeFiles.Load(config);
            byte[] typeFour = TypeFourKey(out byte[] typeFourIdentity);
            File.WriteAllBytes(crypto, new MsgWriter().ArrayHeader(5).Int(2).ArrayHeader(2).Bin(classical.SigningKeys[0].SecretKey).Raw(typeFour)
                .Bin(classical.WrappingKey).Bool(false).ArrayHeader(3).Int(5).Int(2).Int(1).ToArray());

            CryptoNodeFiles files = CryptoNodeFiles.Load(config);

            Assert.Equal(classical.SigningKeys[0].PublicKey, Assert.Single(files.SigningKeys).PublicKey);
            Assert.Equal(new[] { 1, 4 }, files.SigningKeyTypes);
            Assert.Equal(classical.NodeIdBytes.Concat(typeFourIdentity).ToArray(), files.NodeIdBytes);
        }

        [Fact]
        public void UnknownSigningKeyTypesAndVersionsAreUnsupported()
        {
            string config = CopyProducer();
            string crypto = Path.ChangeExtension(config, ".crypto");
            byte[] ek = CryptoNodeFiles.Load(config).WrappingKey;
            File.WriteAllBytes(crypto, new MsgWriter().ArrayHeader(5).Int(2).ArrayHeader(1).ArrayHeader(2).Int(7).Bin(new byte[64]).Bin(ek).Bool(false).ArrayHeader(0).ToArray());
            Assert.Equal(ErrorIds.CryptoUnsupported, Assert.Throws<OpenMsiStreamException>(() => CryptoNodeFiles.Load(config)).ErrorId);
            File.WriteAllBytes(crypto, new MsgWriter().ArrayHeader(5).Int(3).ArrayHeader(0).Bin(ek).Bool(false).ArrayHeader(0).ToArray());
            Assert.Equal(ErrorIds.CryptoUnsupported, Assert.Throws<OpenMsiStreamException>(() => CryptoNodeFiles.Load(config)).ErrorId);
        }

        [Fact]
        public void OlderKeyFileFormsAndTrailingBytesStillLoad()
        {
            string config = CopyProducer();
            string crypto = Path.ChangeExtension(config, ".crypto");
            CryptoNodeFiles current = CryptoNodeFiles.Load(config);
            byte[] sk = current.SigningKeys[0].SecretKey;

            File.WriteAllBytes(crypto, new MsgWriter().ArrayHeader(2).Bin(sk).Bin(current.WrappingKey).ToArray());
            CryptoNodeFiles unversioned = CryptoNodeFiles.Load(config);
            Assert.Equal(current.NodeIdBytes, unversioned.NodeIdBytes);
            Assert.True(unversioned.EphemeralLegacy);
            Assert.Equal(new[] { 1 }, unversioned.EphemeralTypes);

            File.WriteAllBytes(crypto, new MsgWriter().ArrayHeader(5).Int(1).Bin(sk).Bin(current.WrappingKey).Bool(true).ArrayHeader(1).Int(1).ToArray());
            Assert.Equal(current.NodeIdBytes, CryptoNodeFiles.Load(config).NodeIdBytes);

            File.WriteAllBytes(crypto, CryptoVectors.File("nodes/provisioned/kcv_producer/kcv_producer.crypto").Concat(new byte[] { 0, 0, 7 }).ToArray());
            Assert.Equal(current.NodeIdBytes, CryptoNodeFiles.Load(config).NodeIdBytes);
        }

        [Theory]
        [InlineData("node_id : kcv_producer\n", "")]
        [InlineData("[kcv_producer-allowlist]\n", "[kcv_producer-allowlist]\nbad : not-base64\n")]
        [InlineData("[kcv_producer-denylist]\n", "[kcv_producer-denylist]\nbad : base64#AAEC\n")]
        [InlineData("[kcv_producer-chains]\n", "[kcv_producer]\n")]
        [InlineData("chain0 : base64#", "chain0 : base64#!!")]
        [InlineData("crypto_sub_interval : 5", "crypto_sub_interval : soon")]
        [InlineData("[DEFAULT]\n", "orphan : 1\n[DEFAULT]\n")]
        public void AnUnusableConfigIsInvalidAndNamesTheFile(string find, string replace)
        {
            string config = CopyProducer();
            File.WriteAllText(config, File.ReadAllText(config).Replace(find, replace));
            var ex = Assert.Throws<OpenMsiStreamException>(() => CryptoNodeFiles.Load(config));
            Assert.Equal(ErrorIds.CryptoNodeInvalid, ex.ErrorId);
            Assert.Contains(config, ex.Message);
        }

        [Fact]
        public void FilesAreFoundRelativeToTheConfigNotTheWorkingDirectory()
        {
            string config = CopyProducer();
            string elsewhere = _temp.Combine("keys");
            Directory.CreateDirectory(elsewhere);
            File.Move(Path.ChangeExtension(config, ".crypto"), Path.Combine(elsewhere, "moved.crypto"));
            File.WriteAllText(config, File.ReadAllText(config).Replace("file#kcv_producer.crypto", "file#../keys/moved.crypto"));
            Assert.Equal(Path.Combine(elsewhere, "moved.crypto"), CryptoNodeFiles.Load(config).CryptoPath);
        }

        /// <summary>A syntactically valid type-4 key entry [4, [ed_sk64, slh_sk64]] and its bytes(spk).</summary>
        private static byte[] TypeFourKey(out byte[] identity)
        {
            (byte[] edPublic, byte[] edSecret) = SodiumPrimitives.SignKeyPair();
            byte[] slhSecret = Enumerable.Range(0, 64).Select(i => (byte)(i * 3)).ToArray();
            identity = new MsgWriter().ArrayHeader(2).Int(4).ArrayHeader(2).Bin(edPublic).Bin(slhSecret.Skip(32).ToArray()).ToArray();
            return new MsgWriter().ArrayHeader(2).Int(4).ArrayHeader(2).Bin(edSecret).Bin(slhSecret).ToArray();
        }
    }
}
