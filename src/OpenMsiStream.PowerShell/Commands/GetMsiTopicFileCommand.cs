using System;
using System.Collections.Generic;
using System.Management.Automation;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Inspection;
using OpenMsiStream.Kafka;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Lists every file on a topic: path, size, chunks present of total, versions, offsets, complete or not.</para>
    /// <para type="description">Reads what the topic holds now, from the oldest message the broker keeps to
    /// where each partition ended when the command started, without joining a consumer group: it commits
    /// nothing, writes nothing and disturbs no consumer. One TopicFile per relative path, in path order: its
    /// size (empty until the file's last chunk is on the topic), ChunksPresent of TotalChunks, whether it is
    /// Complete, the partition of its chunks (-1 when a producer spread them over several), the first and
    /// last offset, its SHA-512 and metadata, and Versions: every version sent under that path (by send time
    /// where the broker keeps timestamps, else by offset, else by the producer's mtime), oldest first. The
    /// properties describe the newest version. A file is incomplete when chunks of it never arrived, or the
    /// broker has already dropped its oldest chunks (retention; the embedded broker keeps 5 MiB per
    /// partition).</para>
    /// <para type="description">-Filter is a regular expression on the relative path (with '/'); other files
    /// are left out. After the files, a summary line goes to the information stream (shown on the console,
    /// like Write-Host; 6&gt; or -InformationVariable capture it): how many files, how many complete, the
    /// messages and bytes read, and the messages that are not chunks of a file (unreadable), could not be
    /// decrypted or were filtered out. On a topic encrypted with KafkaCrypto the config's node decrypts the
    /// messages, as for Receive-MsiDataFile; messages it cannot decrypt are counted as undecryptable.
    /// -Topic binds from the pipeline by property name. A topic that does not exist is a non-terminating
    /// TopicNotFound error; an unreachable broker stops the command (BrokerUnreachable).</para>
    /// </summary>
    /// <example>
    /// <code>Get-MsiTopicFile -Topic lab -Config ./lab.config</code>
    /// <para>Lists every file on the topic lab with its size, chunks, versions and offsets, then a summary
    /// line such as "3 file(s) on topic 'lab': 3 complete, 0 incomplete; 3 message(s), 412 B.".</para>
    /// </example>
    /// <example>
    /// <code>Get-MsiTopicFile lab -Config ./lab.config | Where-Object { -not $_.Complete } | Format-Table RelativePath, ChunksPresent, TotalChunks</code>
    /// <para>Shows only the files of which some chunks are missing, with how many are there.</para>
    /// </example>
    /// <example>
    /// <code>Get-MsiTopicFile lab -Filter '\.csv$' -Config ./lab.config -InformationVariable summary | Select-Object RelativePath, Length, @{ n = 'Versions'; e = { $_.Versions.Count } }</code>
    /// <para>Lists the CSV files with their number of versions; the summary line is kept in $summary
    /// instead of being shown.</para>
    /// </example>
    /// <seealso cref="GetMsiConsumerLagCommand"/>
    /// <seealso cref="ReceiveMsiDataFileCommand"/>
    /// <seealso cref="SendMsiDataFileCommand"/>
    [Cmdlet(VerbsCommon.Get, "MsiTopicFile")]
    [OutputType(typeof(TopicFile))]
    public sealed class GetMsiTopicFileCommand : KafkaCmdlet
    {
        private const int ProgressActivityId = 6;
        private KafkaSettings? _settings;

        /// <summary>The topic to take stock of.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.TopicCompleter))]
        public string Topic { get; set; } = string.Empty;

        /// <summary>Only files whose relative path (with '/') matches this regular expression.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Filter { get; set; }

        protected override void ProcessRecord()
        {
            _settings ??= ResolveSettings();
            var options = new TopicInventoryOptions(Topic) { Filter = FilterRegex(Filter) };
            string activity = $"Reading topic '{Topic}'";
            WriteProgress(new ProgressRecord(ProgressActivityId, activity, "Every message the broker keeps, without joining a consumer group"));
            (IReadOnlyList<TopicFile> Files, TopicInventorySummary Summary) inventory;
            try
            {
                // A missing topic concerns this topic only: the next one piped in may be fine.
                if (!TryReadForItem(() => TopicInventory.Take(_settings, options, new ClientDiagnostics(), StopToken), Topic, out inventory,
                    ErrorIds.TopicNotFound, ErrorIds.InvalidTopicName))
                {
                    return;
                }
            }
            finally
            {
                WriteProgress(new ProgressRecord(ProgressActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
            foreach (TopicFile file in inventory.Files)
            {
                WriteObject(file);
            }
            // As Write-Host does: shown on the console by default, never mixed into the output objects.
            WriteInformation(new HostInformationMessage { Message = PrintableText.Escape(inventory.Summary.ToString()) }, new[] { "PSHOST" });
        }
    }
}
