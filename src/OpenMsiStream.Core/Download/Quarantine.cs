using System;
using System.IO;
using System.Text;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// Keeps the raw bytes of messages that could not be used (undecodable, corrupt, refused), so
    /// nothing is lost silently and someone can look at them later.
    /// </summary>
    internal sealed class Quarantine
    {
        private readonly string _directory;

        public Quarantine(string directory) => _directory = directory;

        /// <summary>Writes the message and the reason; returns the value file's path.</summary>
        public string Keep(string topic, MessagePosition position, byte[]? key, byte[]? value, string reason)
        {
            Directory.CreateDirectory(_directory);
            string stem = Path.Combine(_directory, $"{topic}_p{position.Partition}_o{position.Offset}");
            File.WriteAllBytes(stem + ".key.bin", key ?? Array.Empty<byte>());
            File.WriteAllBytes(stem + ".value.bin", value ?? Array.Empty<byte>());
            File.WriteAllText(stem + ".reason.txt", DateTimeOffset.Now.ToString("o") + " " + reason + Environment.NewLine, new UTF8Encoding(false));
            return stem + ".value.bin";
        }
    }
}
