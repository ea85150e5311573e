using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Inspection;
using OpenMsiStream.Kafka;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Shows how far consumer groups are behind on a topic: the backlog of a receiver, processor or S3 transfer.</para>
    /// <para type="description">One PartitionLag per group and partition: the group's committed offset (the
    /// next message it will read; empty when it never committed one there), the partition's end offset, the
    /// lag in messages, an estimate of the lag in bytes, and the number of files with chunks in the backlog
    /// (files the group has not completed yet). The backlog is read to size it, without joining the group:
    /// nothing is committed and no consumer is disturbed. Beyond -MaxScanMessages messages per partition the
    /// bytes are extrapolated (BytesEstimated is then true, and IncompleteFiles a lower bound).</para>
    /// <para type="description">Without -GroupId every consumer group with offsets committed on the topic is
    /// measured, in name order. A broker lists its groups, except the embedded broker (Start-MsiLocalBroker),
    /// which cannot: there name the group, or the cmdlet writes a ConsumerGroupsUnlisted error. -Topic and
    /// -GroupId bind from the pipeline by property name, so the objects of this cmdlet (and any with Topic and
    /// GroupId properties) can be piped in, and so can the services of Get-MsiService: each one's Topic and
    /// the GroupId its command line reads as (its --group-id, or the default of its command). A service
    /// with no consumer group (an uploader, or a receiver that starts with a new group every time) is a
    /// non-terminating NoConsumerGroup error that says why, and the services after it are measured. A
    /// topic that does not exist is a non-terminating TopicNotFound error; an unreachable broker stops the command (BrokerUnreachable). With KafkaCrypto configured the
    /// backlog is decrypted to count its files; bytes are those the broker holds.</para>
    /// </summary>
    /// <example>
    /// <code>Get-MsiConsumerLag -Topic lab -GroupId lab-archive -Config ./lab.config</code>
    /// <para>Shows, per partition of the topic lab, how many messages and bytes the consumer group
    /// lab-archive (a Receive-MsiDataFile -GroupId lab-archive, for example) has not handled yet, and how many
    /// files it has not completed.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Get-MsiConsumerLag lab -GroupId lab-archive -Config ./lab.config |
    ///     Measure-Object -Property Lag, LagBytes -Sum
    /// </code>
    /// <para>Adds up the backlog of lab-archive over all partitions: messages and bytes.</para>
    /// </example>
    /// <example>
    /// <code>Get-MsiService -Scope User | Where-Object GroupId | Get-MsiConsumerLag -Config ./lab.config</code>
    /// <para>Shows the backlog of every per-user service that consumes a topic, with the group each one
    /// really uses. Where-Object GroupId leaves out the services without a consumer group (uploaders),
    /// which would otherwise each be a NoConsumerGroup error.</para>
    /// </example>
    /// <example>
    /// <code>Get-MsiConsumerLag -Topic lab -BootstrapServers kafka.lab:9092 | Where-Object Lag -gt 1000</code>
    /// <para>Measures every consumer group with offsets on the topic lab of a real broker, and shows the
    /// partitions where one is more than 1000 messages behind.</para>
    /// </example>
    /// <seealso cref="GetMsiTopicFileCommand"/>
    /// <seealso cref="ReceiveMsiDataFileCommand"/>
    /// <seealso cref="InvokeMsiStreamProcessorCommand"/>
    [Cmdlet(VerbsCommon.Get, "MsiConsumerLag")]
    [OutputType(typeof(PartitionLag))]
    public sealed class GetMsiConsumerLagCommand : KafkaCmdlet
    {
        private const int ProgressActivityId = 5;
        private KafkaSettings? _settings;

        /// <summary>The topic whose consumers' backlog to measure.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.TopicCompleter))]
        public string Topic { get; set; } = string.Empty;

        /// <summary>The consumer groups (default: every group with offsets committed on the topic; the embedded broker cannot list them).</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(Completion.GroupIdCompleter))]
        [PSDefaultValue(Help = "every group with offsets committed on the topic")]
        public string[]? GroupId { get; set; }

        /// <summary>Messages of each partition's backlog read to size it and count its files; beyond that the bytes are estimated (default 100000).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int MaxScanMessages { get; set; } = new LagOptions("-").MaxScanMessages;

        /// <summary>
        /// What was piped in, so that a service without a consumer group (its GroupId is null) is reported
        /// as such rather than measured as "every group". Not for direct use.
        /// </summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public PSObject? InputObject { get; set; }

        protected override void ProcessRecord()
        {
            if (InputObject?.BaseObject is OpenMsiStream.Services.ServiceInfo service && service.NoConsumerGroup() is OpenMsiStreamException noGroup)
            {
                WriteError(noGroup, service.Name);
                return;
            }
            if (GroupId != null && GroupId.Any(string.IsNullOrWhiteSpace))
            {
                // Null is allowed (a piped object without a group measures every group); an empty name is not.
                WriteError(new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    "-GroupId has an empty name: name each consumer group, or leave -GroupId out to measure every group on the topic."), Topic);
                return;
            }
            _settings ??= ResolveSettings();
            foreach (string? group in GroupId == null || GroupId.Length == 0 ? new string?[] { null } : GroupId.Distinct(StringComparer.Ordinal).ToArray<string?>())
            {
                WriteProgress(new ProgressRecord(ProgressActivityId, $"Measuring the backlog on topic '{Topic}'",
                    group == null ? "Every consumer group with offsets on the topic" : $"Consumer group '{group}'"));
                // A missing topic, or groups this broker cannot list, concern this topic only: the next one piped in may be fine.
                if (!TryReadForItem(() => ConsumerLag.Measure(_settings, new LagOptions(Topic) { GroupId = group, MaxScanMessages = MaxScanMessages }, new ClientDiagnostics(), StopToken),
                    Topic, out IReadOnlyList<PartitionLag> lags, ErrorIds.TopicNotFound, ErrorIds.ConsumerGroupsUnlisted, ErrorIds.InvalidTopicName))
                {
                    continue;
                }
                if (group == null && lags.Count == 0)
                {
                    WriteWarning(ConsumerLag.DescribeNoGroups(Topic));
                }
                foreach (PartitionLag lag in lags)
                {
                    WriteObject(lag);
                }
            }
            WriteProgress(new ProgressRecord(ProgressActivityId, $"Measuring the backlog on topic '{Topic}'", "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
