using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Trust;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Crypto.Trust
{
    /// <summary>
    /// Reads the golden KafkaCrypto vectors (../shared/vectors/kafkacrypto) for the trust and exchange
    /// tests, without depending on the node-file loader: keys and chains come straight from the JSON.
    /// </summary>
    internal static class KafkaCryptoVectorFiles
    {
        /// <summary>The time of the golden run; every certificate in the vectors that should be valid is valid then.</summary>
        public const double Now = 1795495383;

        public const string Root = "kcv";

        private static readonly Lazy<JsonDocument> TranscriptDoc = new(() => Load("transcript.json"));
        private static readonly Lazy<JsonDocument> SignaturesDoc = new(() => Load("signatures.json"));
        private static readonly Lazy<JsonDocument> PrimitivesDoc = new(() => Load("primitives.json"));
        private static readonly Lazy<JsonDocument> ProvisioningDoc = new(() => Load(Path.Combine("nodes", "provisioning.json")));

        public static JsonElement Transcript => TranscriptDoc.Value.RootElement;

        public static JsonElement Signatures => SignaturesDoc.Value.RootElement;

        public static JsonElement Primitives => PrimitivesDoc.Value.RootElement;

        public static JsonElement Provisioning => ProvisioningDoc.Value.RootElement;

        public static byte[] Hex(string hex) => Convert.FromHexString(hex);

        public static byte[] Hex(JsonElement element) => Convert.FromHexString(element.GetString()!);

        public static byte[] Message(string fileName) => File.ReadAllBytes(Path.Combine(RepoPaths.KafkaCryptoVectors, "messages", fileName));

        /// <summary>A node's 64-byte Ed25519 secret key, from transcript.json's <c>crypto_decoded</c>.</summary>
        public static byte[] NodeSecretKey(string node) => Hex(Transcript.GetProperty("nodes").GetProperty(node).GetProperty("crypto_decoded").GetProperty("signing_sk")[0]);

        public static IReadOnlyList<byte[]> NodeChain(string node) =>
            Transcript.GetProperty("nodes").GetProperty(node).GetProperty("chain0_elements").EnumerateArray().Select(Hex).ToList();

        public static byte[] RootAllowlistEntry => Hex(Signatures.GetProperty("rot").GetProperty("allowlist_entry"));

        public static TrustStore GoldenTrust => new TrustStore(new[] { RootAllowlistEntry });

        /// <summary>Every secret key the vectors know, by public key (hex): ROT, provisioners and nodes.</summary>
        public static IReadOnlyDictionary<string, byte[]> SecretKeysByPublicKey()
        {
            var keys = new Dictionary<string, byte[]>();
            JsonElement rot = Provisioning.GetProperty("rot");
            keys[rot.GetProperty("pk").GetString()!] = Hex(rot.GetProperty("sk"));
            foreach (JsonProperty provisioner in Provisioning.GetProperty("provisioners").EnumerateObject())
            {
                keys[provisioner.Value.GetProperty("pk").GetString()!] = Hex(provisioner.Value.GetProperty("sk"));
            }
            foreach (JsonProperty node in Transcript.GetProperty("nodes").EnumerateObject())
            {
                keys[node.Value.GetProperty("signing_pk").GetString()!] = NodeSecretKey(node.Name);
            }
            return keys;
        }

        /// <summary>
        /// Asserts a decoded msgpack value against its JSON rendering in the vectors: a hex string or
        /// <c>{"hex": ...}</c> for bytes, a list for an array, a number for a number.
        /// </summary>
        public static void AssertMatches(JsonElement expected, MsgNode actual)
        {
            switch (expected.ValueKind)
            {
                case JsonValueKind.String:
                    Assert.True(actual.IsBytes, $"expected bytes, found {actual.Kind}");
                    Assert.Equal(expected.GetString(), Convert.ToHexString(actual.Bytes).ToLowerInvariant());
                    break;
                case JsonValueKind.Object:
                    AssertMatches(expected.GetProperty("hex"), actual);
                    break;
                case JsonValueKind.Array:
                    Assert.True(actual.IsArray, $"expected an array, found {actual.Kind}");
                    Assert.Equal(expected.GetArrayLength(), actual.Items.Count);
                    int i = 0;
                    foreach (JsonElement item in expected.EnumerateArray())
                    {
                        AssertMatches(item, actual.Items[i++]);
                    }
                    break;
                case JsonValueKind.Number:
                    Assert.Equal(expected.GetDouble(), actual.AsNumber());
                    break;
                default:
                    throw new InvalidOperationException($"unexpected JSON {expected.ValueKind} in a vector");
            }
        }

        private static JsonDocument Load(string relative) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepoPaths.KafkaCryptoVectors, relative)));
    }
}
