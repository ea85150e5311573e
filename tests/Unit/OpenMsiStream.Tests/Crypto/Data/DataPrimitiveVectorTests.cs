using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Text.Json;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Primitives;
using Xunit;

namespace OpenMsiStream.Tests.Crypto.Data
{
    /// <summary>Every data-plane case of primitives.json, written by the real KafkaCrypto 0.9.11.3.</summary>
    public class DataPrimitiveVectorTests
    {
        public static TheoryData<int> RootOfTopicCases => CryptoVectors.Cases("root_of_topic");
        public static TheoryData<int> TopicSecretCases => CryptoVectors.Cases("topic_secret");
        public static TheoryData<int> KeyIndexLongCases => CryptoVectors.Cases("key_index_long");
        public static TheoryData<int> KeyIndexShortCases => CryptoVectors.Cases("key_index_short");
        public static TheoryData<int> KeyNonceCases => CryptoVectors.Cases("key_nonce");
        public static TheoryData<int> SecretBoxCases => CryptoVectors.Cases("secretbox");
        public static TheoryData<int> DataWireCases => CryptoVectors.Cases("data_wire");

        [Theory]
        [MemberData(nameof(RootOfTopicCases))]
        public void RootOfTopicIsThePrefixBeforeTheFirstSeparator(int index)
        {
            JsonElement c = CryptoVectors.Case("root_of_topic", index);
            Assert.Equal(c.GetProperty("root").GetString(), TopicKeys.RootOf(c.GetProperty("topic").GetString()!));
        }

        [Theory]
        [MemberData(nameof(TopicSecretCases))]
        public void TopicSecretMatches(int index)
        {
            JsonElement c = CryptoVectors.Case("topic_secret", index);
            string root = c.GetProperty("root").GetString()!;
            Assert.Equal(c.Hex("root_utf8"), System.Text.Encoding.UTF8.GetBytes(root));
            Assert.Equal(c.Hex("topic_secret"), TopicKeys.TopicSecret(c.Hex("ratchet_secret"), root));
        }

        [Theory]
        [MemberData(nameof(KeyIndexLongCases))]
        public void LongKeyIndexMatchesAndEncodesAsBin(int index)
        {
            JsonElement c = CryptoVectors.Case("key_index_long", index);
            KeyIndex ki = TopicKeys.LongKeyIndex(c.Hex("node_id_bytes"), c.GetProperty("keyidx").GetInt64());
            Assert.Equal(c.Hex("key_index"), ki.Bytes);
            var writer = new MsgWriter();
            ki.WriteTo(writer);
            Assert.Equal(c.Hex("msgpack_of_key_index"), writer.ToArray());
        }

        [Theory]
        [MemberData(nameof(KeyIndexShortCases))]
        public void ShortKeyIndexIsTheIndexAsAnInteger(int index)
        {
            JsonElement c = CryptoVectors.Case("key_index_short", index);
            KeyIndex ki = TopicKeys.ShortKeyIndex(c.GetProperty("keyidx").GetInt64());
            var writer = new MsgWriter();
            ki.WriteTo(writer);
            Assert.Equal(c.Hex("msgpack"), writer.ToArray());
            Assert.Equal(ki, KeyIndex.FromNode(MsgNode.Parse(c.Hex("msgpack"))));
        }

        [Theory]
        [MemberData(nameof(KeyNonceCases))]
        public void MessageKeyAndNonceMatchForKeysAndValues(int index)
        {
            JsonElement c = CryptoVectors.Case("key_nonce", index);
            byte[] secret = c.Hex("topic_secret");
            byte[] salt = c.Hex("salt");
            Assert.Equal(LittleEndian16(BigInteger.Parse(c.GetProperty("counter").GetRawText())), salt);
            foreach ((string kv, bool forKey) in new[] { ("key", true), ("value", false) })
            {
                (byte[] key, byte[] nonce) = MessageKeyGenerator.Derive(secret, salt, forKey);
                Assert.Equal(c.GetProperty(kv).Hex("msg_key"), key);
                Assert.Equal(c.GetProperty(kv).Hex("msg_nonce"), nonce);
            }
        }

        [Fact]
        public void GeneratorsCountFromZeroAndMatchTheDerivation()
        {
            JsonElement c0 = CryptoVectors.Case("key_nonce", 0);
            var generator = new MessageKeyGenerator(c0.Hex("topic_secret"), forKafkaKey: false);
            (byte[] salt, byte[] key, byte[] nonce) = generator.Next();
            Assert.Equal(new byte[16], salt);
            Assert.Equal(c0.GetProperty("value").Hex("msg_key"), key);
            Assert.Equal(c0.GetProperty("value").Hex("msg_nonce"), nonce);
            Assert.Equal(LittleEndian16(1), generator.Next().Salt);
            Assert.Equal(LittleEndian16(2), generator.Next().Salt);
        }

        [Theory]
        [MemberData(nameof(SecretBoxCases))]
        public void SecretBoxIsMacFirstAndOpens(int index)
        {
            JsonElement c = CryptoVectors.Case("secretbox", index);
            byte[] boxed = SodiumPrimitives.SecretBox(c.Hex("plaintext"), c.Hex("nonce"), c.Hex("key"));
            Assert.Equal(c.Hex("secretbox"), boxed);
            Assert.Equal(c.Hex("plaintext"), SodiumPrimitives.SecretBoxOpen(boxed, c.Hex("nonce"), c.Hex("key")));
        }

        [Theory]
        [MemberData(nameof(DataWireCases))]
        public void TheSerializerOutputIsReproducedAndDecrypts(int index)
        {
            JsonElement c = CryptoVectors.Case("data_wire", index);
            byte[] seedFile = c.Hex("seed_file");
            IReadOnlyList<MsgNode> seed = MsgNode.Parse(seedFile).AsArray(2);
            long ratchetIndex = seed[0].AsInteger();
            string root = TopicKeys.RootOf(c.GetProperty("topic").GetString()!);
            Assert.Equal(c.GetProperty("root").GetString(), root);
            byte[] topicSecret = TopicKeys.TopicSecret(seed[1].AsBytes(), root);
            Assert.Equal(c.Hex("topic_secret"), topicSecret);
            KeyIndex ki = c.GetProperty("mgmt_long_keyindex").GetBoolean()
                ? TopicKeys.LongKeyIndex(c.Hex("node_id_bytes"), ratchetIndex)
                : TopicKeys.ShortKeyIndex(ratchetIndex);
            JsonElement expectedIndex = c.GetProperty("key_index");
            Assert.Equal(expectedIndex.ValueKind == JsonValueKind.Number ? KeyIndex.FromNumber(expectedIndex.GetInt64()) : KeyIndex.FromBytes(expectedIndex.Hex()), ki);

            var encryptor = new TopicEncryptor(root, ki, topicSecret);
            foreach (JsonElement item in c.GetProperty("items_in_order").EnumerateArray())
            {
                bool forKey = item.GetProperty("kv").GetString() == "key";
                byte[] plaintext = item.TryGetProperty("plaintext", out JsonElement pt) ? pt.Hex() : Pattern(item.GetProperty("plaintext_len").GetInt32());
                byte[] expected = item.TryGetProperty("wire", out JsonElement wire) ? wire.Hex() : CryptoVectors.File(item.GetProperty("wire_file").GetString()!);

                byte[] produced = forKey ? encryptor.EncryptKey(plaintext) : encryptor.EncryptValue(plaintext);

                Assert.Equal(expected, produced);
                Assert.Equal(item.GetProperty("wire_len").GetInt32(), produced.Length);
                Assert.True(produced.Length - plaintext.Length <= EncryptedItem.MaxOverheadBytes);
                Assert.True(EncryptedItem.TryParse(produced, out EncryptedItem? parsed));
                Assert.Equal(ki, parsed!.KeyIndex);
                Assert.Equal(expected, parsed.Encode());
                Assert.Equal(plaintext, TopicDecryptor.Decrypt(parsed, topicSecret, forKey));
                Assert.Null(TopicDecryptor.Decrypt(parsed, topicSecret, !forKey));
            }
        }

        /// <summary>primitives.json's "pattern(n)": byte i = (i*31+7) mod 251.</summary>
        private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)((i * 31 + 7) % 251)).ToArray();

        private static byte[] LittleEndian16(BigInteger value)
        {
            byte[] bytes = new byte[16];
            byte[] raw = value.ToByteArray(isUnsigned: true, isBigEndian: false);
            Array.Copy(raw, bytes, raw.Length);
            return bytes;
        }
    }
}
