using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Crypto.Data;
using Xunit;

namespace OpenMsiStream.Tests.Crypto.Node
{
    /// <summary>
    /// The data-plane steps of the golden transcript from the node files alone: P2 (topic secret and
    /// key index), P3 (messages 1–3 byte for byte) and C3 (decrypting them with the received secret).
    /// </summary>
    public class NodeTranscriptReplayTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("replay");

        public void Dispose() => _temp.Dispose();

        private static JsonElement ProducerSecrets => CryptoVectors.Transcript.GetProperty("secrets").GetProperty("kcv_producer");

        [Fact]
        public void P2_P3_TheProducerReproducesTheThreeDataMessages()
        {
            string folder = CryptoVectors.CopyNode("nodes/provisioned/kcv_producer", _temp.Combine("p"));
            CryptoNodeFiles node = CryptoNodeFiles.Load(Path.Combine(folder, "kcv_producer.config"));
            RatchetStep step = Ratchet.Advance(node.SeedPath);

            string root = TopicKeys.RootOf("kcv", node.TopicSeparator);
            byte[] topicSecret = TopicKeys.TopicSecret(step.Secret, root);
            KeyIndex keyIndex = TopicKeys.LongKeyIndex(node.NodeIdBytes, step.Index);
            JsonElement derivation = ProducerSecrets.GetProperty("key_derivation");
            Assert.Equal(derivation.Hex("topic_secret"), topicSecret);
            Assert.Equal(derivation.Hex("key_index"), keyIndex.Bytes);

            var encryptor = new TopicEncryptor(root, keyIndex, topicSecret);
            foreach (JsonElement message in DataMessages())
            {
                int n = message.GetProperty("data_index").GetInt32();
                Assert.Equal(CryptoVectors.File(message.GetProperty("key_file").GetString()!), encryptor.EncryptKey(CryptoVectors.File($"plaintext/msg{n}.key.bin")));
                Assert.Equal(CryptoVectors.File(message.GetProperty("value_file").GetString()!), encryptor.EncryptValue(CryptoVectors.File($"plaintext/msg{n}.value.bin")));
            }
        }

        [Fact]
        public void C3_TheConsumerDecryptsTheThreeDataMessagesWithTheReceivedSecret()
        {
            JsonElement received = CryptoVectors.Transcript.GetProperty("secrets").GetProperty("kcv_consumer").GetProperty("response_processing").GetProperty("keys_received");
            JsonProperty only = Assert.Single(received.EnumerateObject());
            KeyIndex expectedIndex = KeyIndex.FromBytes(Convert.FromHexString(only.Name));
            byte[] topicSecret = only.Value.Hex();

            foreach (JsonElement message in DataMessages())
            {
                int n = message.GetProperty("data_index").GetInt32();
                foreach ((string file, bool forKey, string plain) in new[] { ("key_file", true, "key"), ("value_file", false, "value") })
                {
                    Assert.True(EncryptedItem.TryParse(CryptoVectors.File(message.GetProperty(file).GetString()!), out EncryptedItem? item));
                    Assert.Equal(expectedIndex, item!.KeyIndex);
                    Assert.Equal(CryptoVectors.File($"plaintext/msg{n}.{plain}.bin"), TopicDecryptor.Decrypt(item, topicSecret, forKey));
                }
            }
        }

        [Fact]
        public void ManagementMessagesAreNotDataItems()
        {
            foreach (JsonElement message in CryptoVectors.Transcript.GetProperty("messages").EnumerateArray().Where(m => m.GetProperty("kind").GetString() != "data"))
            {
                Assert.False(EncryptedItem.TryParse(CryptoVectors.File(message.GetProperty("value_file").GetString()!), out _));
            }
        }

        private static JsonElement[] DataMessages() =>
            CryptoVectors.Transcript.GetProperty("messages").EnumerateArray().Where(m => m.GetProperty("kind").GetString() == "data").ToArray();
    }
}
