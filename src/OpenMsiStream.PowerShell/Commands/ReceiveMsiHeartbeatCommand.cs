using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Reads the heartbeats that long-running programs send to a topic (ours and OpenMSIStream's).</para>
    /// <para type="description">One object per heartbeat: the program id, when it was sent, how long ago,
    /// and the counters since its previous heartbeat. -Latest reads what the topic holds and returns the
    /// newest heartbeat of each program, then stops: the quick "is everything alive" check. Without it,
    /// heartbeats stream as they arrive until -Count, -IdleTimeout or Ctrl+C. The reader joins no consumer
    /// group and commits nothing.</para>
    /// <para type="description">Heartbeats are the messages keyed &lt;program id&gt;_heartbeat that
    /// Start-MsiUploadDirectory, Receive-MsiDataFile, Invoke-MsiStreamProcessor and Start-MsiS3Transfer send
    /// with -HeartbeatTopic (services always have a program id), and those of Python OpenMSIStream
    /// programs. Each Heartbeat has ProgramId, Timestamp, Age and the counters of its kind of program:
    /// MessagesProduced and BytesProduced for uploads, MessagesRead, MessagesProcessed, BytesRead and
    /// BytesProcessed for downloads, processors and S3 transfers; counters a program does not send are
    /// empty. Reading starts at the oldest heartbeat the broker keeps, at -Since, or with -Wait at the end
    /// of the topic; -Latest and -Wait cannot be combined. Log messages on the same topic are skipped, and
    /// a heartbeat that cannot be read is a non-terminating InvalidHeartbeat error.</para>
    /// </summary>
    /// <example>
    /// <code>Receive-MsiHeartbeat heartbeats -Latest -Config ./lab.config</code>
    /// <para>Shows the newest heartbeat of every program that sent one to the topic heartbeats: when it was
    /// sent, how long ago, and what the program did since its previous heartbeat.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Receive-MsiHeartbeat heartbeats -Latest -Config ./lab.config |
    ///     Where-Object Age -gt ([timespan]::FromMinutes(5)) |
    ///     Select-Object ProgramId, Timestamp, Age
    /// </code>
    /// <para>Lists the programs whose last heartbeat is more than five minutes old: with the default
    /// interval of 60 seconds, programs that stopped or cannot reach the broker.</para>
    /// </example>
    /// <example>
    /// <code>Receive-MsiHeartbeat -Topic heartbeats -ProgramId 'xrd-*' -Wait -Config ./lab.config</code>
    /// <para>Streams the heartbeats of the programs whose id starts with xrd- as they arrive, from now on,
    /// until Ctrl+C.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Receive-MsiHeartbeat heartbeats xrd-upload -Since (Get-Date).AddHours(-1) -IdleTimeout 10 -Config ./lab.config |
    ///     Measure-Object -Property BytesProduced -Sum
    /// </code>
    /// <para>Adds up the bytes the uploader xrd-upload produced in the last hour, from its heartbeats of that
    /// hour, and stops once no heartbeat arrived for 10 seconds.</para>
    /// </example>
    /// <seealso cref="StartMsiUploadDirectoryCommand"/>
    /// <seealso cref="OpenMsiStream.PowerShell.Commands.Services.GetMsiServiceCommand"/>
    /// <seealso cref="TestMsiConnectionCommand"/>
    [Cmdlet(VerbsCommunications.Receive, "MsiHeartbeat")]
    [OutputType(typeof(Heartbeat))]
    public sealed class ReceiveMsiHeartbeatCommand : KafkaCmdlet
    {
        /// <summary>The heartbeat topic.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.TopicCompleter))]
        public string Topic { get; set; } = string.Empty;

        /// <summary>Only these programs (wildcards allowed).</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(Completion.ProgramIdCompleter))]
        public string[]? ProgramId { get; set; }

        /// <summary>The newest heartbeat of each program in the topic now, then stop.</summary>
        [Parameter]
        public SwitchParameter Latest { get; set; }

        /// <summary>Only heartbeats sent at or after this time (default: the oldest the broker keeps).</summary>
        [Parameter]
        [PSDefaultValue(Help = "the oldest heartbeat the broker keeps (with -Wait, the end of the topic)")]
        public DateTime Since { get; set; }

        /// <summary>Only heartbeats sent from now on.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Stop after this many heartbeats.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        /// <summary>Stop when nothing arrived for this long (seconds, or a time span).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        [PositiveTimeSpan]
        public TimeSpan IdleTimeout { get; set; }

        protected override void EndProcessing()
        {
            if (Latest && Wait)
            {
                ThrowTerminatingError(new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    "-Latest reads the heartbeats already in the topic and -Wait only new ones: use one of them."));
            }
            HeartbeatReadOptions options = BuildOptions();
            KafkaSettings settings = ResolveSettings();
            RunOnWorker((queue, cancellation) =>
            {
                var diagnostics = new ClientDiagnostics();
                ForwardDiagnostics(diagnostics, queue);
                var reader = new HeartbeatReader(settings, options, diagnostics);
                if (!Latest)
                {
                    return reader.Run(heartbeat => queue.Output(heartbeat), invalid => queue.Error(invalid, invalid.Target), cancellation);
                }
                IReadOnlyList<Heartbeat> newest = reader.Latest(invalid => queue.Error(invalid, invalid.Target), cancellation);
                foreach (Heartbeat heartbeat in newest)
                {
                    queue.Output(heartbeat);
                }
                return newest.Count;
            }, () => { }, count => $"Stopped: {count} heartbeat(s) read.");
        }

        private HeartbeatReadOptions BuildOptions()
        {
            try
            {
                WildcardPattern[]? patterns = ProgramId?.Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToArray();
                return new HeartbeatReadOptions(Topic)
                {
                    ProgramFilter = patterns == null ? null : id => patterns.Any(p => p.IsMatch(id)),
                    Since = IsBound(nameof(Since)) ? new DateTimeOffset(Since.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(Since, DateTimeKind.Local) : Since) : (DateTimeOffset?)null,
                    NewOnly = Wait,
                    Count = IsBound(nameof(Count)) ? Count : (int?)null,
                    IdleTimeout = IsBound(nameof(IdleTimeout)) ? IdleTimeout : (TimeSpan?)null,
                };
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error, Topic);
                throw; // not reached
            }
        }
    }
}
