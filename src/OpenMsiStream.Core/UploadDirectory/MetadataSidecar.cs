using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Wire;

namespace OpenMsiStream.UploadDirectory
{
    /// <summary>
    /// The rule of -MetadataSidecar (--metadata-sidecar) for a watched directory: a file named
    /// <c>&lt;name&gt;.metadata.json</c> beside a data file <c>&lt;name&gt;</c> holds that file's metadata, a JSON
    /// object whose values are strings (numbers and true/false are taken as their text). A sidecar is
    /// never sent itself, with or without its data file. Its data file is sent once both have settled, so a
    /// sidecar written shortly after its data file (within the settle time) still travels with it; one
    /// written or changed after the data file was sent is reported, and travels with the file's next version.
    /// </summary>
    public static class MetadataSidecar
    {
        public const string Suffix = ".metadata.json";

        /// <summary>A sidecar holds at most 1 KB of metadata; this bounds what is read of a file that is not one.</summary>
        public const int MaxFileBytes = 64 * 1024;

        /// <summary>Whether <paramref name="relativePath"/> (POSIX) names a sidecar (case as the platform's file names compare).</summary>
        public static bool IsSidecar(string relativePath)
        {
            int slash = relativePath.LastIndexOf('/');
            return relativePath.Length - slash - 1 > Suffix.Length && relativePath.EndsWith(Suffix, FileSystem.PathRules.Comparison);
        }

        /// <summary>The data file a sidecar belongs to.</summary>
        public static string DataFileOf(string sidecarRelativePath) => sidecarRelativePath.Substring(0, sidecarRelativePath.Length - Suffix.Length);

        /// <summary>Where the sidecar of a data file would be.</summary>
        public static string SidecarOf(string dataRelativePath) => dataRelativePath + Suffix;

        /// <summary>
        /// The metadata in the sidecar at <paramref name="sidecarFullPath"/>; <see cref="FileMetadata.None"/> when
        /// there is none. A sidecar that is not a JSON object of strings, or too large, is an InvalidArgument
        /// error naming it.
        /// </summary>
        public static FileMetadata Read(string sidecarFullPath, string sidecarRelativePath)
        {
            byte[] bytes;
            try
            {
                var info = new FileInfo(sidecarFullPath);
                if (!info.Exists)
                {
                    return FileMetadata.None;
                }
                if (info.Length > MaxFileBytes)
                {
                    throw Invalid(sidecarRelativePath, $"it has {info.Length} bytes; a file's metadata takes at most {FileMetadata.MaxBytes} bytes as JSON");
                }
                bytes = File.ReadAllBytes(sidecarFullPath);
            }
            catch (FileNotFoundException)
            {
                return FileMetadata.None; // deleted meanwhile: the file goes without metadata
            }
            catch (DirectoryNotFoundException)
            {
                return FileMetadata.None;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    $"The metadata file '{sidecarRelativePath}' cannot be read: {ex.Message}", ex, sidecarRelativePath);
            }
            // Windows PowerShell 5.1 writes UTF-8 with a byte-order mark (Set-Content -Encoding UTF8).
            int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            var values = new List<KeyValuePair<string, string>>();
            try
            {
                using JsonDocument document = JsonDocument.Parse(new ReadOnlyMemory<byte>(bytes, start, bytes.Length - start));
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid(sidecarRelativePath, $"it holds a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object");
                }
                foreach (JsonProperty property in document.RootElement.EnumerateObject())
                {
                    values.Add(new KeyValuePair<string, string>(property.Name, Text(property, sidecarRelativePath)));
                }
            }
            catch (JsonException ex)
            {
                throw Invalid(sidecarRelativePath, "it is not valid JSON (" + ex.Message + ")");
            }
            return FileMetadata.From(values, $"The metadata file '{sidecarRelativePath}'");
        }

        private static string Text(JsonProperty property, string sidecar)
        {
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String:
                    return property.Value.GetString()!;
                case JsonValueKind.Number:
                    return property.Value.GetRawText();
                case JsonValueKind.True:
                case JsonValueKind.False:
                    return property.Value.GetBoolean() ? "true" : "false";
                default:
                    throw Invalid(sidecar, $"the value of '{property.Name}' is a JSON {property.Value.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture)}; metadata values are strings (or numbers, true, false)");
            }
        }

        private static OpenMsiStreamException Invalid(string sidecar, string why) =>
            new OpenMsiStreamException(ErrorIds.InvalidArgument,
                $"The metadata file '{sidecar}' is not a JSON object of strings: {why}.", target: sidecar);
    }
}
