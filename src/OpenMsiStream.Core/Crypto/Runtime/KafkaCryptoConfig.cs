using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>
    /// Finds the KafkaCrypto node a config file's <c>[kafkacrypto]</c> section names, the way
    /// OpenMSIStream does: <c>node_id = X</c> means <c>X/X.config</c> in the OpenMSIStream config
    /// directory, next to the config file, or in the working directory; <c>config_file = path</c> names
    /// the node's .config directly (an optional <c>file#</c> prefix is removed as a prefix, not as the
    /// set of characters OpenMSIStream's <c>lstrip</c> removes).
    /// </summary>
    internal static class KafkaCryptoConfig
    {
        public const string Section = "kafkacrypto";
        private static readonly string[] KnownKeys = { "node_id", "config_file" };

        /// <summary>The node's .config path, or null when the settings turn no encryption on.</summary>
        public static string? ResolveNodeConfig(KafkaSettings settings, Func<string, string?>? environment = null)
        {
            environment ??= Environment.GetEnvironmentVariable;
            IReadOnlyList<ConfigEntry> entries = settings.Section(Section);
            if (entries.Count == 0)
            {
                return null;
            }
            foreach (ConfigEntry entry in entries.Where(e => !KnownKeys.Contains(e.Key)))
            {
                throw new OpenMsiStreamException(ErrorIds.ConfigInvalidProperty,
                    $"Unknown key '{entry.Key}' in {entry.Origin}; the [kafkacrypto] section takes node_id or config_file.", target: entry.Key);
            }
            string? nodeId = entries.LastOrDefault(e => e.Key == "node_id")?.Value?.Trim();
            string? configFile = entries.LastOrDefault(e => e.Key == "config_file")?.Value?.Trim();
            if (!string.IsNullOrEmpty(configFile))
            {
                string path = configFile!.StartsWith("file#", StringComparison.Ordinal) ? configFile.Substring(5) : configFile;
                path = Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(BaseDirectory(settings), path));
                return File.Exists(path) ? path : throw NotFound($"The KafkaCrypto node file '{path}' named by config_file in {settings.Source} does not exist.", path);
            }
            if (string.IsNullOrEmpty(nodeId))
            {
                throw new OpenMsiStreamException(ErrorIds.ConfigInvalidProperty,
                    $"The [kafkacrypto] section of {settings.Source} needs node_id = <node> or config_file = <path to the node's .config>.");
            }
            if (nodeId!.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || nodeId == "." || nodeId == "..")
            {
                throw new OpenMsiStreamException(ErrorIds.ConfigInvalidProperty,
                    $"node_id '{nodeId}' in {settings.Source} is not a valid node name.", target: nodeId);
            }
            var searched = new List<string>();
            foreach (string directory in SearchDirectories(settings, environment))
            {
                string candidate = Path.Combine(directory, nodeId, nodeId + ".config");
                searched.Add(candidate);
                if (File.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
            throw NotFound($"KafkaCrypto node '{nodeId}' (named in {settings.Source}) was not found; looked for {string.Join(", ", searched.Select(s => "'" + s + "'"))}. Create it with New-MsiCryptoNode or 'openmsistream provision-node'.", nodeId);
        }

        private static IEnumerable<string> SearchDirectories(KafkaSettings settings, Func<string, string?> environment)
        {
            string? configDirectory = environment(ConfigFileLocator.ConfigDirectoryVariable);
            if (!string.IsNullOrWhiteSpace(configDirectory))
            {
                yield return configDirectory!;
            }
            if (settings.SourceFile != null)
            {
                yield return Path.GetDirectoryName(Path.GetFullPath(settings.SourceFile))!;
            }
            yield return settings.WorkingDirectory;
        }

        private static string BaseDirectory(KafkaSettings settings) =>
            settings.SourceFile != null ? Path.GetDirectoryName(Path.GetFullPath(settings.SourceFile))! : settings.WorkingDirectory;

        private static OpenMsiStreamException NotFound(string message, string target) =>
            new OpenMsiStreamException(ErrorIds.CryptoNodeNotFound, message, target: target);
    }
}
