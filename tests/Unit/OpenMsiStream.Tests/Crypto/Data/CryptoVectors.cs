using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Crypto.Data
{
    /// <summary>The KafkaCrypto golden vectors (../shared/vectors/kafkacrypto), read once per test run.</summary>
    internal static class CryptoVectors
    {
        private static readonly Lazy<JsonDocument> PrimitivesDocument = new Lazy<JsonDocument>(() => Json("primitives.json"));
        private static readonly Lazy<JsonDocument> TranscriptDocument = new Lazy<JsonDocument>(() => Json("transcript.json"));
        private static readonly Lazy<JsonDocument> ProvisioningDocument = new Lazy<JsonDocument>(() => Json(Path.Combine("nodes", "provisioning.json")));

        public static JsonElement Transcript => TranscriptDocument.Value.RootElement;

        public static JsonElement Provisioning => ProvisioningDocument.Value.RootElement;

        public static string Root => RepoPaths.KafkaCryptoVectors;

        public static string PathOf(string relative) => Path.Combine(new[] { Root }.Concat(relative.Split('/')).ToArray());

        public static byte[] File(string relative) => System.IO.File.ReadAllBytes(PathOf(relative));

        /// <summary>One case of a primitives.json section.</summary>
        public static JsonElement Case(string section, int index) => PrimitivesDocument.Value.RootElement.GetProperty(section).GetProperty("cases")[index];

        /// <summary>The case numbers of a section, so that each case is its own test.</summary>
        public static TheoryData<int> Cases(string section)
        {
            var data = new TheoryData<int>();
            int count = PrimitivesDocument.Value.RootElement.GetProperty(section).GetProperty("cases").GetArrayLength();
            for (int i = 0; i < count; i++)
            {
                data.Add(i);
            }
            return data;
        }

        public static byte[] Hex(this JsonElement element) => Convert.FromHexString(element.GetString()!);

        public static byte[] Hex(this JsonElement element, string property) => element.GetProperty(property).Hex();

        /// <summary>A copy of a vectors node folder in a temporary directory (tests must never write to ../shared).</summary>
        public static string CopyNode(string relativeFolder, string destination)
        {
            Directory.CreateDirectory(destination);
            foreach (string file in Directory.GetFiles(PathOf(relativeFolder)))
            {
                string target = Path.Combine(destination, Path.GetFileName(file));
                System.IO.File.Copy(file, target);
                System.IO.File.SetAttributes(target, FileAttributes.Normal);
                if (!OperatingSystem.IsWindows())
                {
                    System.IO.File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }
            return destination;
        }

        private static JsonDocument Json(string relative) => JsonDocument.Parse(System.IO.File.ReadAllBytes(Path.Combine(Root, relative)));
    }
}
