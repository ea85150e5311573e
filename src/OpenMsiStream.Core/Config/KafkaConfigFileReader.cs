using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Extensions.Configuration.Ini;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Config
{
    /// <summary>
    /// Reads OpenMSIStream-format config files: INI sections <c>[broker]</c>, <c>[producer]</c>,
    /// <c>[consumer]</c> (plus the sections later features use), keys lower-cased, a <c>[DEFAULT]</c>
    /// section that applies to every section, <c>%</c> interpolation and <c>$VARIABLE</c> expansion.
    /// </summary>
    internal static class KafkaConfigFileReader
    {
        private const string DefaultSection = "default";

        public static Dictionary<string, List<ConfigEntry>> Read(string path, Func<string, string?> environment)
        {
            IDictionary<string, string?> flat;
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                flat = IniStreamConfigurationProvider.Read(stream);
            }
            catch (FormatException ex)
            {
                throw new OpenMsiStreamException(ErrorIds.ConfigFileInvalid,
                    $"Config file '{path}' is not a valid INI file: {ex.Message}", ex, path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new OpenMsiStreamException(ErrorIds.ConfigFileNotFound,
                    $"Config file '{path}' could not be read: {ex.Message}", ex, path);
            }

            var raw = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, string?> pair in flat)
            {
                int colon = pair.Key.IndexOf(':');
                if (colon < 0)
                {
                    throw new OpenMsiStreamException(ErrorIds.ConfigFileInvalid,
                        $"Config file '{path}': '{pair.Key}' is outside any [section]; put it under [broker], [producer] or [consumer].", target: path);
                }
                string section = pair.Key.Substring(0, colon).Trim().ToLowerInvariant();
                string key = pair.Key.Substring(colon + 1).Trim().ToLowerInvariant();
                if (!raw.TryGetValue(section, out Dictionary<string, string>? entries))
                {
                    entries = new Dictionary<string, string>(StringComparer.Ordinal);
                    raw[section] = entries;
                }
                entries[key] = pair.Value ?? string.Empty;
            }

            string[] unknown = raw.Keys.Where(s => s != DefaultSection && !KafkaSettings.KnownSections.Contains(s)).ToArray();
            if (unknown.Length > 0)
            {
                throw new OpenMsiStreamException(ErrorIds.ConfigUnknownSection,
                    $"Config file '{path}' has unknown section{(unknown.Length > 1 ? "s" : "")} {string.Join(", ", unknown.Select(s => "[" + s + "]"))}. " +
                    $"Known sections: {string.Join(", ", KafkaSettings.KnownSections.Select(s => "[" + s + "]"))}.", target: unknown[0]);
            }

            raw.TryGetValue(DefaultSection, out Dictionary<string, string>? defaults);
            var expander = new ConfigValueExpander(path, environment);
            var result = new Dictionary<string, List<ConfigEntry>>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, Dictionary<string, string>> section in raw.Where(s => s.Key != DefaultSection))
            {
                // configparser semantics: DEFAULT keys are visible in every section unless it overrides them.
                var lookup = new Dictionary<string, string>(StringComparer.Ordinal);
                if (defaults != null)
                {
                    foreach (KeyValuePair<string, string> d in defaults)
                    {
                        lookup[d.Key] = d.Value;
                    }
                }
                foreach (KeyValuePair<string, string> e in section.Value)
                {
                    lookup[e.Key] = e.Value;
                }
                string origin = $"[{section.Key}] in '{path}'";
                result[section.Key] = lookup.Keys
                    .Select(key => new ConfigEntry(key, expander.Expand(section.Key, key, lookup), origin))
                    .ToList();
            }
            return result;
        }
    }
}
