using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using OpenMsiStream.Config;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Completion
{
    /// <summary>
    /// What a completer knows about the command line being typed: the current location, and the broker
    /// that -Config / -BootstrapServers name (or the embedded broker of this session), as the cmdlet
    /// itself would resolve them.
    /// </summary>
    internal static class CompletionContext
    {
        /// <summary>The PowerShell location (what relative paths on the command line are relative to).</summary>
        public static string Location()
        {
            try
            {
                using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
                ps.AddScript("$ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath");
                string? location = ps.Invoke().FirstOrDefault()?.BaseObject as string;
                if (!string.IsNullOrEmpty(location))
                {
                    return location!;
                }
            }
            catch (Exception)
            {
                // No runspace to ask (a completer called from a host's own thread): the process directory.
            }
            return Environment.CurrentDirectory;
        }

        /// <summary>The broker the command line names; null when there is none to ask.</summary>
        public static KafkaSettings? Broker(IDictionary fakeBoundParameters)
        {
            try
            {
                string location = Location();
                string? config = Value(fakeBoundParameters, "Config");
                string? servers = Value(fakeBoundParameters, "BootstrapServers");
                KafkaSettings? settings = null;
                if (config != null)
                {
                    settings = KafkaSettings.FromFile(ResolvePath(config, location), null, location);
                }
                if (servers != null)
                {
                    settings = settings == null ? KafkaSettings.FromBootstrapServers(servers, location) : settings.WithBootstrapServers(servers);
                }
                if (settings == null && LocalBrokerSession.Current is LocalBrokerInfo local)
                {
                    settings = LocalBroker.LocalKafkaBroker.ClientSettings(local.BootstrapServers, location);
                }
                return settings;
            }
            catch (Exception)
            {
                return null; // a config file that does not exist yet, a typo: nothing to complete from
            }
        }

        public static string? Value(IDictionary fakeBoundParameters, string name)
        {
            object? value = fakeBoundParameters.Contains(name) ? fakeBoundParameters[name] : null;
            value = value is PSObject wrapped ? wrapped.BaseObject : value;
            string? text = value?.ToString();
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }

        /// <summary>CompletionResults for the values that start with the word typed so far, quoted where PowerShell needs it.</summary>
        public static IEnumerable<CompletionResult> Matching(IEnumerable<string> values, string wordToComplete, CompletionResultType type = CompletionResultType.ParameterValue)
        {
            string typed = wordToComplete.Trim('\'', '"');
            var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
            foreach (string value in values.Where(v => pattern.IsMatch(v)))
            {
                yield return new CompletionResult(Quote(value), value, type, value);
            }
        }

        public static string Quote(string value) =>
            value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == '/' || c == ':')
                ? value
                : "'" + value.Replace("'", "''") + "'";

        private static string ResolvePath(string path, string location)
        {
            if (path.StartsWith("~", StringComparison.Ordinal))
            {
                string home = Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                path = home + path.Substring(1);
            }
            return path.IndexOfAny(new[] { '/', '\\' }) < 0 ? path : Path.Combine(location, path);
        }
    }
}
