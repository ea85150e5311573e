using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace OpenMsiStream.Tests.Support
{
    /// <summary>One message of ../shared/vectors/openmsistream/manifest.json.</summary>
    public sealed class VectorMessage
    {
        public string Name { get; init; } = "";
        public string InputRelativePath { get; init; } = "";
        public int ChunkIndex { get; init; }
        public int TotalChunks { get; init; }
        public long Offset { get; init; }
        public int Length { get; init; }
        public string FileSha512 { get; init; } = "";
        public string ChunkSha512 { get; init; } = "";
        public string Subdirectory { get; init; } = "";
        public string Filename { get; init; } = "";
        public string FilenameAppend { get; init; } = "";
        public double FileMtime { get; init; }
        public string KeyString { get; init; } = "";
        public string KeyFile { get; init; } = "";
        public string ValueFile { get; init; } = "";

        public byte[] Key => File.ReadAllBytes(Path.Combine(OpenMsiStreamVectors.Directory, KeyFile));

        public byte[] Value => File.ReadAllBytes(Path.Combine(OpenMsiStreamVectors.Directory, ValueFile));

        public byte[] Data => OpenMsiStreamVectors.Input(InputRelativePath).AsSpan((int)Offset, Length).ToArray();

        public override string ToString() => Name;
    }

    /// <summary>The golden chunk messages made by OpenMSIStream v1.8.7's own serializer.</summary>
    public static class OpenMsiStreamVectors
    {
        public static string Directory => RepoPaths.OpenMsiStreamVectors;

        public static string InputRoot => Path.Combine(Directory, "input", "root");

        public const double PinnedMtime = 1700000000.0;

        public static byte[] Input(string relativePath) => File.ReadAllBytes(Path.Combine(InputRoot, relativePath));

        /// <summary>Messages of DataFileUploadDirectory (root "root").</summary>
        public static IReadOnlyList<VectorMessage> Messages => Load("messages");

        /// <summary>Messages of the standalone UploadDataFile (root = the file's own directory).</summary>
        public static IReadOnlyList<VectorMessage> StandaloneMessages => Load("extra_messages");

        public static VectorMessage Legacy
        {
            get
            {
                using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "manifest.json")));
                return Read(manifest.RootElement.GetProperty("legacy_message"));
            }
        }

        public static IEnumerable<object[]> AllMessages() => Messages.Concat(StandaloneMessages).Select(m => new object[] { m.Name });

        public static VectorMessage ByName(string name) => Messages.Concat(StandaloneMessages).Single(m => m.Name == name);

        private static IReadOnlyList<VectorMessage> Load(string property)
        {
            using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "manifest.json")));
            return manifest.RootElement.GetProperty(property).EnumerateArray().Select(Read).ToList();
        }

        private static VectorMessage Read(JsonElement m) => new VectorMessage
        {
            Name = Path.GetFileNameWithoutExtension(m.GetProperty("value_file").GetString()!).Replace("_value", ""),
            InputRelativePath = m.GetProperty("input_relative_path").GetString()!,
            ChunkIndex = m.GetProperty("chunk_index").GetInt32(),
            TotalChunks = m.GetProperty("n_total_chunks").GetInt32(),
            Offset = m.GetProperty("offset").GetInt64(),
            Length = m.GetProperty("length").GetInt32(),
            FileSha512 = m.GetProperty("file_sha512_hex").GetString()!,
            ChunkSha512 = m.GetProperty("chunk_sha512_hex").GetString()!,
            Subdirectory = m.GetProperty("subdir_str").GetString()!,
            Filename = m.TryGetProperty("filename", out JsonElement name) ? name.GetString()! : Path.GetFileName(m.GetProperty("input_relative_path").GetString()!),
            FilenameAppend = m.TryGetProperty("filename_append", out JsonElement append) ? append.GetString()! : "",
            FileMtime = m.TryGetProperty("file_mtime", out JsonElement mtime) && mtime.ValueKind == JsonValueKind.Number ? mtime.GetDouble() : 0,
            KeyString = m.GetProperty("key_string").GetString()!,
            KeyFile = m.GetProperty("key_file").GetString()!,
            ValueFile = m.GetProperty("value_file").GetString()!,
        };
    }
}
