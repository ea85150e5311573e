using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Processing;
using OpenMsiStream.S3;

namespace OpenMsiStream.Operations
{
    /// <summary>
    /// The topic of a service and the consumer group it reads as, read from its stored command line the
    /// way the command itself resolves them: --group-id when given, else that command's own default
    /// (computed by the same code the command runs), so that <c>Get-MsiService | Get-MsiConsumerLag</c>
    /// measures the group the service really uses. An uploader has no group, and neither has a receiver
    /// that starts with a new group every time; <see cref="NoGroupReason"/> says which.
    /// </summary>
    public sealed class ServiceConsumer
    {
        /// <summary>
        /// The boolean options of the long-running commands: they take no value, so the token after one is
        /// not its value (tests/Unit ServiceConsumerTests checks this list against the CLI's options).
        /// </summary>
        internal static readonly IReadOnlyCollection<string> Switches = new HashSet<string>(
            Operation.LongRunning.SelectMany(o => o.Options).Where(o => o.Kind == OptionKind.Switch && o.CmdletOnly == null).Select(o => o.Flag), StringComparer.Ordinal);

        private ServiceConsumer(string? topic, string? groupId, string? noGroupReason)
        {
            Topic = topic;
            GroupId = groupId;
            NoGroupReason = noGroupReason;
        }

        /// <summary>The topic the service reads (or, for an uploader, writes).</summary>
        public string? Topic { get; }

        /// <summary>The consumer group the service reads as; null when it has none that lasts (see <see cref="NoGroupReason"/>).</summary>
        public string? GroupId { get; }

        /// <summary>Why <see cref="GroupId"/> is null, in words for an error message.</summary>
        public string? NoGroupReason { get; }

        /// <param name="arguments">The service's `openmsistream` command line.</param>
        /// <param name="workingDirectory">Where the service runs: relative paths in <paramref name="arguments"/> are resolved against it.</param>
        public static ServiceConsumer Of(IReadOnlyList<string> arguments, string workingDirectory)
        {
            string command = arguments.Count > 0 ? arguments[0] : string.Empty;
            var options = new Dictionary<string, string>(StringComparer.Ordinal);
            var positional = new List<string>();
            for (int i = 1; i < arguments.Count; i++)
            {
                string token = arguments[i];
                if (token == "--")
                {
                    positional.AddRange(arguments.Skip(i + 1)); // the program of a processor and its arguments
                    break;
                }
                if (!token.StartsWith("-", StringComparison.Ordinal) || token.Length == 1)
                {
                    positional.Add(token);
                    continue;
                }
                // --name value, --name=value or --name:value (System.CommandLine's forms); the last one given wins.
                int split = token.IndexOfAny(new[] { '=', ':' });
                if (split > 0)
                {
                    options[token.Substring(0, split)] = token.Substring(split + 1);
                }
                else if (Switches.Contains(token))
                {
                    if (i + 1 < arguments.Count && bool.TryParse(arguments[i + 1], out _))
                    {
                        i++; // "--verbose true": a boolean option may take its value
                    }
                }
                else if (i + 1 < arguments.Count)
                {
                    options[token] = arguments[++i];
                }
            }
            string? Option(string name) => options.TryGetValue(name, out string? value) ? value : null;
            string? groupId = Option("--group-id");
            switch (command)
            {
                case "upload-directory":
                    return new ServiceConsumer(Option("--topic"), null, "it runs upload-directory, which sends files and reads none");
                case "download-directory":
                    return DownloadDirectory(workingDirectory, Option("--topic"), groupId, Option("--config"));
                case "process" when positional.Count > 0:
                    string topic = positional[0];
                    return new ServiceConsumer(topic, groupId ?? StreamProcessingOptions.DefaultGroupId(topic, string.Join("\n", positional.Skip(1))), null);
                case "s3-transfer" when positional.Count > 1:
                    return new ServiceConsumer(positional[0], new S3TransferOptions(positional[0], positional[1]) { GroupId = groupId }.ResolveGroupId(), null);
                default:
                    return new ServiceConsumer(Option("--topic") ?? positional.FirstOrDefault(), null, $"its command line ('{string.Join(" ", arguments)}') names no topic and group");
            }
        }

        private static ServiceConsumer DownloadDirectory(string workingDirectory, string? topic, string? groupId, string? config)
        {
            KafkaSettings? settings = null;
            if (string.IsNullOrWhiteSpace(groupId) && config != null)
            {
                try
                {
                    // Only [consumer] group.id matters here: a $VARIABLE the service gets from its secrets file need not be set.
                    settings = KafkaSettings.FromFile(config, name => Environment.GetEnvironmentVariable(name) ?? string.Empty, workingDirectory);
                }
                catch (OpenMsiStreamException ex)
                {
                    return new ServiceConsumer(topic, null, $"it takes its consumer group from its config file, which cannot be read here ({ex.Message})");
                }
            }
            string? fixedGroup = FileReceiver.FixedGroupId(settings, groupId);
            return fixedGroup != null
                ? new ServiceConsumer(topic, fixedGroup, null)
                : new ServiceConsumer(topic, null, "it runs download-directory without --group-id (or a [consumer] group.id), so it reads as a new consumer group at every start; register it with --group-id (-GroupId) to follow its backlog");
        }
    }
}
