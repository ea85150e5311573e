using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using OpenMsiStream.FileSystem;

namespace OpenMsiStream.S3
{
    /// <summary>
    /// Remembers the multipart uploads in progress (one small JSON file each in the state directory),
    /// with the parts the server acknowledged (number, size, MD5 and ETag), so that after a crash or a
    /// failure the next attempt continues the same upload and sends only the parts it does not have.
    /// Kept here rather than asked of the server, as not every S3 look-alike lists parts.
    /// </summary>
    internal sealed class MultipartUploadJournal
    {
        private readonly string _directory;

        public MultipartUploadJournal(string stateDirectory) => _directory = Path.Combine(stateDirectory, "s3-uploads");

        public Entry? Find(string bucket, string key, string sha512, long partSize)
        {
            string path = PathFor(bucket, key, sha512);
            try
            {
                Entry? entry = JsonSerializer.Deserialize<Entry>(File.ReadAllText(path));
                return entry != null && entry.Bucket == bucket && entry.Key == key && entry.PartSize == partSize ? entry : null;
            }
            catch (Exception ex) when (ex is IOException || ex is JsonException || ex is UnauthorizedAccessException)
            {
                return null; // none, or unreadable: start a new upload
            }
        }

        public void Record(Entry entry) =>
            AtomicFile.WriteAllText(PathFor(entry.Bucket, entry.Key, entry.Sha512), JsonSerializer.Serialize(entry));

        public void Forget(string bucket, string key, string sha512)
        {
            try
            {
                File.Delete(PathFor(bucket, key, sha512));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // A stale entry only costs one failed look-up of its upload.
            }
        }

        private string PathFor(string bucket, string key, string sha512)
        {
            using var sha = System.Security.Cryptography.SHA256.Create();
            byte[] id = sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(bucket + "\n" + key + "\n" + sha512));
            return Path.Combine(_directory, Diagnostics.Hex.Lower(id).Substring(0, 32) + ".json");
        }

        public sealed class Entry
        {
            public string Bucket { get; set; } = string.Empty;

            public string Key { get; set; } = string.Empty;

            public string Sha512 { get; set; } = string.Empty;

            public string UploadId { get; set; } = string.Empty;

            public long PartSize { get; set; }

            public List<Part> Parts { get; set; } = new List<Part>();
        }

        public sealed class Part
        {
            public int Number { get; set; }

            public long Size { get; set; }

            public string Md5 { get; set; } = string.Empty;

            public string ETag { get; set; } = string.Empty;
        }
    }
}
