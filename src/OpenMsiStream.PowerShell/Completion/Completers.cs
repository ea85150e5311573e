using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using OpenMsiStream.Config;
using OpenMsiStream.Kafka;
using OpenMsiStream.Services;

namespace OpenMsiStream.PowerShell.Completion
{
    /// <summary>-Topic (and -ResultTopic, -HeartbeatTopic, -LogTopic): the topics of the broker on the command line, or of the embedded broker.</summary>
    public sealed class TopicCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            KafkaSettings? broker = CompletionContext.Broker(fakeBoundParameters);
            return broker == null
                ? Enumerable.Empty<CompletionResult>()
                : CompletionContext.Matching(TopicCatalog.Topics(broker, TopicCatalog.CompletionTimeout), wordToComplete).ToList();
        }
    }

    /// <summary>-ProgramId of Receive-MsiHeartbeat: the programs that sent heartbeats to -Topic.</summary>
    public sealed class ProgramIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string? topic = CompletionContext.Value(fakeBoundParameters, "Topic");
            KafkaSettings? broker = topic == null ? null : CompletionContext.Broker(fakeBoundParameters);
            return broker == null
                ? Enumerable.Empty<CompletionResult>()
                : CompletionContext.Matching(TopicCatalog.ProgramIds(broker, topic!, TopicCatalog.CompletionTimeout), wordToComplete).ToList();
        }
    }

    /// <summary>
    /// -GroupId of Get-MsiConsumerLag: the consumer groups with offsets on -Topic, where the broker can list
    /// its groups; nothing on the embedded broker, which is recognised and never asked (asking it crashes it).
    /// </summary>
    public sealed class GroupIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string? topic = CompletionContext.Value(fakeBoundParameters, "Topic");
            KafkaSettings? broker = topic == null ? null : CompletionContext.Broker(fakeBoundParameters);
            return broker == null
                ? Enumerable.Empty<CompletionResult>()
                : CompletionContext.Matching(TopicCatalog.GroupIds(broker, topic!, TopicCatalog.CompletionTimeout), wordToComplete).ToList();
        }
    }

    /// <summary>
    /// -Config: the *.config files (and the folders on the way to them) where the typed path points,
    /// relative to the current location, and the names in $env:OPENMSISTREAM_CONFIG_FILE_DIR.
    /// </summary>
    public sealed class ConfigFileCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string typed = wordToComplete.Trim('\'', '"');
            bool rooted = Path.IsPathRooted(typed);
            string relative = typed.StartsWith("./", System.StringComparison.Ordinal) ? typed.Substring(2) : typed;
            int slash = relative.LastIndexOfAny(new[] { '/', '\\' });
            string folderPart = slash < 0 ? string.Empty : relative.Substring(0, slash + 1);
            string namePart = relative.Substring(slash + 1);
            string directory = rooted ? folderPart : Path.Combine(CompletionContext.Location(), folderPart);
            string shown = rooted ? folderPart : "./" + folderPart;
            var results = new List<CompletionResult>();
            if (Directory.Exists(directory))
            {
                foreach (string file in Directory.GetFiles(directory, "*.config").Select(Path.GetFileName).Where(n => Starts(n!, namePart)).OrderBy(n => n, System.StringComparer.Ordinal))
                {
                    results.Add(new CompletionResult(CompletionContext.Quote(shown + file), file, CompletionResultType.ProviderItem, shown + file));
                }
                foreach (string folder in Directory.GetDirectories(directory).Select(Path.GetFileName).Where(n => !n!.StartsWith(".", System.StringComparison.Ordinal) && Starts(n!, namePart)).OrderBy(n => n, System.StringComparer.Ordinal))
                {
                    results.Add(new CompletionResult(CompletionContext.Quote(shown + folder + "/"), folder, CompletionResultType.ProviderContainer, shown + folder + "/"));
                }
            }
            string? named = System.Environment.GetEnvironmentVariable(ConfigFileLocator.ConfigDirectoryVariable);
            if (folderPart.Length == 0 && !rooted && !string.IsNullOrEmpty(named) && Directory.Exists(named))
            {
                results.AddRange(CompletionContext.Matching(Directory.GetFiles(named!, "*.config").Select(f => Path.GetFileNameWithoutExtension(f)).OrderBy(f => f, System.StringComparer.Ordinal), namePart));
            }
            return results;
        }

        private static bool Starts(string name, string typed) => name.StartsWith(typed, System.StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>-Name of the service cmdlets: the services registered in -Scope (System unless given).</summary>
    public sealed class ServiceNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            ServiceScope scope = System.Enum.TryParse(CompletionContext.Value(fakeBoundParameters, "Scope"), true, out ServiceScope parsed) ? parsed : ServiceScope.System;
            try
            {
                IEnumerable<string> names = new ServiceManager(ServiceLayout.For(scope)).List().Select(s => s.Name);
                return CompletionContext.Matching(names, wordToComplete).ToList();
            }
            catch (System.Exception)
            {
                return Enumerable.Empty<CompletionResult>();
            }
        }
    }
}
