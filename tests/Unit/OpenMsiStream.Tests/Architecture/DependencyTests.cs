using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Architecture
{
    /// <summary>
    /// The directions between Core's folders that docs/architecture.md promises, read from the source:
    /// Kafka knows nothing of KafkaCrypto (Crypto runs its key exchange over Kafka, and the clients meet
    /// encryption only through Messaging), the wire format's rules do not live in one of its users, and
    /// service management does not borrow from stream processing.
    /// </summary>
    public class DependencyTests
    {
        private static readonly string Core = Path.Combine(RepoPaths.Root, "src", "OpenMsiStream.Core");

        [Theory]
        [InlineData("Kafka", "Crypto")]
        [InlineData("Kafka", "Messaging")]
        [InlineData("Crypto", "Messaging")]
        [InlineData("Crypto", "Upload")]
        [InlineData("Crypto", "UploadDirectory")]
        [InlineData("Crypto", "Download")]
        [InlineData("Crypto", "Processing")]
        [InlineData("Crypto", "Monitoring")]
        [InlineData("Crypto", "Inspection")]
        [InlineData("Crypto", "S3")]
        [InlineData("Upload", "Download")]
        [InlineData("UploadDirectory", "Download")]
        [InlineData("Services", "Processing")]
        public void FolderDoesNotUseNamespace(string folder, string forbidden)
        {
            string[] uses = References(folder, forbidden);
            Assert.True(uses.Length == 0, $"Core/{folder} must not use OpenMsiStream.{forbidden}:\n" + string.Join("\n", uses));
        }

        /// <summary>
        /// Clients get KafkaCrypto only through Messaging's producer and decryption: one place acquires and
        /// releases nodes, so no client can get the node's lifetime or its wait for keys wrong on its own.
        /// </summary>
        [Fact]
        public void OnlyMessagingHoldsNodesAndTheirEncryptors()
        {
            var node = new Regex(@"\b(?:KafkaCryptoNode|MessageEncryptor|MessageDecryptor)\b");
            string[] uses = Directory.GetFiles(Core, "*.cs", SearchOption.AllDirectories)
                .Where(file => !new[] { "Crypto", "Messaging", "bin", "obj" }.Contains(Path.GetRelativePath(Core, file).Split(Path.DirectorySeparatorChar)[0]))
                .SelectMany(file => File.ReadAllLines(file).Select((line, i) => (file, number: i + 1, code: Code(line))))
                .Where(l => node.IsMatch(l.code))
                .Select(l => $"  {Path.GetRelativePath(Core, l.file)}:{l.number}: {l.code.Trim()}")
                .ToArray();
            Assert.True(uses.Length == 0, "Use Messaging.SecureMessaging instead of the node:\n" + string.Join("\n", uses));
        }

        /// <summary>The check itself sees references in each of their forms (so that the rules above can fail).</summary>
        [Theory]
        [InlineData("Crypto", "Kafka")]        // using OpenMsiStream.Kafka;
        [InlineData("Processing", "Crypto")]   // Crypto.Runtime.DecryptionOptions
        [InlineData("Download", "Wire")]       // using OpenMsiStream.Wire;
        public void CheckSeesAllowedReferences(string folder, string used) =>
            Assert.NotEmpty(References(folder, used));

        /// <summary>Lines of Core/<paramref name="folder"/> that name namespace OpenMsiStream.<paramref name="ns"/> (comments aside, crefs counted).</summary>
        private static string[] References(string folder, string ns)
        {
            string directory = Path.Combine(Core, folder);
            string[] files = Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories);
            Assert.NotEmpty(files); // a renamed folder must not pass by having nothing to check
            // using OpenMsiStream.X; OpenMsiStream.X.Type; or X.Type qualified from inside OpenMsiStream.
            var reference = new Regex($@"(?<![\w.])(?:global::)?(?:OpenMsiStream\.)?{Regex.Escape(ns)}(?:\.[A-Z]|\s*;)");
            return files.SelectMany(file => File.ReadAllLines(file).Select((line, i) => (file, number: i + 1, code: Code(line))))
                .Where(l => reference.IsMatch(l.code))
                .Select(l => $"  {Path.GetRelativePath(Core, l.file)}:{l.number}: {l.code.Trim()}")
                .ToArray();
        }

        /// <summary>The line without its comment, keeping what a doc comment's crefs name.</summary>
        private static string Code(string line)
        {
            int comment = line.IndexOf("//", System.StringComparison.Ordinal);
            if (comment < 0)
            {
                return line;
            }
            string crefs = string.Join(" ", Regex.Matches(line.Substring(comment), "cref=\"([^\"]+)\"").Select(m => " " + m.Groups[1].Value));
            return line.Substring(0, comment) + crefs;
        }
    }
}
