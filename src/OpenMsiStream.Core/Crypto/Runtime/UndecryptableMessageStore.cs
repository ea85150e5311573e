using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Confluent.Kafka;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>
    /// Messages that could not be decrypted, kept as OpenMSIStream keeps them so that its
    /// ReproduceUndecryptableMessages and ours read each other's: <c>ENCRYPTED_MESSAGES/
    /// encrypted_message_from_&lt;topic&gt;_&lt;produced|received|consumed&gt;_on_&lt;Mon&gt;_&lt;DD&gt;_&lt;YYYY&gt;_at_&lt;HH&gt;_&lt;MM&gt;_&lt;SS&gt;_&lt;ffffff&gt;_key.bin</c>
    /// and <c>..._value.bin</c> (the message's timestamp, local time). Both files are flushed to disk
    /// before the message counts as handled, and the key file is written last, so a key file always
    /// has its value file.
    /// </summary>
    public static class UndecryptableMessageStore
    {
        public const string DirectoryName = "ENCRYPTED_MESSAGES";
        private const string Prefix = "encrypted_message_from_";

        private static readonly Regex FileName = new Regex(
            "^" + Prefix + "(?<topic>.+?)_(?<kind>produced|received|consumed)_on_.+_key\\.bin$", RegexOptions.CultureInvariant);

        /// <summary>Saves the raw key and value; returns the value file's path.</summary>
        public static string Save(string directory, string topic, byte[]? key, byte[]? value, Timestamp timestamp)
        {
            Directory.CreateDirectory(directory);
            (string kind, DateTime local) = timestamp.Type switch
            {
                TimestampType.CreateTime => ("produced", timestamp.UtcDateTime.ToLocalTime()),
                TimestampType.LogAppendTime => ("received", timestamp.UtcDateTime.ToLocalTime()),
                _ => ("consumed", DateTime.Now),
            };
            string stem = Prefix + topic + "_" + kind + "_on_" + local.ToString("MMM_dd_yyyy_'at'_HH_mm_ss_ffffff", CultureInfo.InvariantCulture);
            // Timestamps have millisecond resolution, so several messages can share a stem: each one
            // claims its name by creating its value file exclusively (atomic, also against another
            // receiver on the same directory), and the first keeps OpenMSIStream's own name.
            for (int n = 0; ; n++)
            {
                string path = Path.Combine(directory, n == 0 ? stem : stem + "_" + n.ToString(CultureInfo.InvariantCulture));
                if (File.Exists(path + "_key.bin") || !TryWriteNew(path + "_value.bin", value ?? Array.Empty<byte>()))
                {
                    continue;
                }
                WriteDurably(path + "_key.bin", key ?? Array.Empty<byte>()); // last: a key file always has its value file
                return path + "_value.bin";
            }
        }

        /// <summary>The saved messages in <paramref name="directory"/>, oldest file first (OpenMSIStream's order).</summary>
        public static IReadOnlyList<SavedMessage> List(string directory)
        {
            if (!Directory.Exists(directory))
            {
                return Array.Empty<SavedMessage>();
            }
            var messages = new List<SavedMessage>();
            foreach (string keyFile in Directory.GetFiles(directory, Prefix + "*_key.bin"))
            {
                Match match = FileName.Match(Path.GetFileName(keyFile));
                if (!match.Success)
                {
                    continue;
                }
                string valueFile = keyFile.Substring(0, keyFile.Length - "_key.bin".Length) + "_value.bin";
                messages.Add(new SavedMessage(keyFile, File.Exists(valueFile) ? valueFile : null, match.Groups["topic"].Value, File.GetLastWriteTimeUtc(keyFile)));
            }
            return messages.OrderBy(m => m.SavedAt).ThenBy(m => m.KeyFile, StringComparer.Ordinal).ToList();
        }

        /// <summary>Creates <paramref name="path"/> with <paramref name="bytes"/>, flushed to disk; false when it exists.</summary>
        private static bool TryWriteNew(string path, byte[] bytes)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
            using (stream)
            {
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush(flushToDisk: true);
            }
            return true;
        }

        private static void WriteDurably(string path, byte[] bytes)
        {
            string temp = path + ".tmp";
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path);
        }
    }

    /// <summary>One message kept in an ENCRYPTED_MESSAGES directory.</summary>
    public sealed class SavedMessage
    {
        public SavedMessage(string keyFile, string? valueFile, string topic, DateTime savedAt)
        {
            KeyFile = keyFile;
            ValueFile = valueFile;
            Topic = topic;
            SavedAt = savedAt;
        }

        public string KeyFile { get; }

        /// <summary>Null when the value file is missing.</summary>
        public string? ValueFile { get; }

        /// <summary>The topic it was read from (taken from the file name).</summary>
        public string Topic { get; }

        public DateTime SavedAt { get; }
    }
}
