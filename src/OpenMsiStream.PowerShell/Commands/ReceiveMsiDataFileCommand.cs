using System;
using System.Management.Automation;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Download;
using OpenMsiStream.Kafka;
using OpenMsiStream.Operations;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Receives files from a Kafka topic of OpenMSIStream chunk messages.</para>
    /// <para type="description">Rebuilds every file from its chunks, checks its SHA-512 and emits one
    /// object per verified file as soon as it is complete: written to -OutputDirectory, or kept in
    /// memory (the Bytes property). Runs until -Count files arrived, nothing arrived for -IdleTimeout
    /// seconds, or Ctrl+C.</para>
    /// <para type="description">Without -GroupId every run is a new consumer group that reads the topic
    /// from the beginning (OpenMSIStream's create_new; a group.id in the config file's [consumer] section
    /// is used unless it is create_new). With a fixed -GroupId a run resumes where the last one stopped,
    /// including files that were only partly received: offsets are committed only for files that are
    /// done, and a file counts as taken only once it has been written to the pipeline, so a file still
    /// waiting when the pipeline stops (Ctrl+C, Select-Object -First, an error downstream) comes again in
    /// the next run with the same group.</para>
    /// <para type="description">With -OutputDirectory each file is rebuilt in a staging folder
    /// (&lt;output&gt;/.openmsistream), checked and renamed into place atomically, replacing an existing
    /// file. Without it, files up to -MaxMemoryFileSize are emitted with their content in the Bytes
    /// property; bigger ones fail with FileTooLargeForMemory. -Filter is a regular expression on the
    /// relative path with '/' separators. Problems with single messages or files (UndecodableMessage,
    /// CorruptChunk, HashMismatch, UnsafePath, ...) are non-terminating errors and consumption goes on;
    /// with -OutputDirectory the raw messages are kept in &lt;output&gt;/.openmsistream/quarantine.</para>
    /// <para type="notes">Ctrl+C commits what is done and leaves the consumer group. On the embedded
    /// broker a new member of a group that was just left gets partitions only after the session timeout
    /// (45 s by default); give -IdleTimeout enough time for that.</para>
    /// </summary>
    /// <example>
    /// <code>Receive-MsiDataFile -Topic lab -OutputDirectory ./copy -Count 3 -IdleTimeout 30</code>
    /// <para>Rebuilds files from the topic lab of the embedded broker in ./copy, and stops after three
    /// files or when nothing arrived for 30 seconds. One ReceivedFile per verified file, with its path
    /// under ./copy.</para>
    /// </example>
    /// <example>
    /// <code>Receive-MsiDataFile -Topic lab -Config ./lab.config -OutputDirectory ./incoming -GroupId lab-archive</code>
    /// <para>Runs until Ctrl+C in the consumer group lab-archive. Running the same command again later
    /// resumes where this one stopped, also for files that were only partly received.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Receive-MsiDataFile -Topic lab -Filter '\.csv$' -IdleTimeout 30 |
    ///     ForEach-Object { [Text.Encoding]::UTF8.GetString($_.Bytes).Split("`n").Count }
    /// </code>
    /// <para>Receives only the CSV files, into memory, and prints the number of lines of each. Nothing is
    /// written to disk.</para>
    /// </example>
    /// <example>
    /// <code>Receive-MsiDataFile lab -Config ./lab.config -OutputDirectory /data/lab -GroupId archive -HeartbeatTopic heartbeats -ProgramId lab-archive</code>
    /// <para>Receives until stopped and sends a heartbeat with the counts of messages and bytes read to
    /// the topic heartbeats every 60 seconds; it also writes a log file and a status file named
    /// lab-archive. Receive-MsiHeartbeat reads the heartbeats back.</para>
    /// </example>
    /// <seealso cref="SendMsiDataFileCommand"/>
    /// <seealso cref="InvokeMsiStreamProcessorCommand"/>
    /// <seealso cref="ReceiveMsiHeartbeatCommand"/>
    [Cmdlet(VerbsCommunications.Receive, "MsiDataFile", SupportsShouldProcess = true)]
    [OutputType(typeof(ReceivedFile))]
    public sealed class ReceiveMsiDataFileCommand : ConsumingCmdlet
    {
        private const int ProgressActivityId = 2;

        /// <summary>The topic to consume.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.TopicCompleter))]
        public string Topic { get; set; } = string.Empty;

        /// <summary>Directory to rebuild files in; without it files are emitted with their bytes in memory.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutputDirectory { get; set; }

        /// <summary>Consumer group; give a fixed one to resume where the last run stopped.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? GroupId { get; set; }

        /// <summary>Regular expression on the relative path (POSIX separators); other files are skipped.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Filter { get; set; }

        /// <summary>Stop after this many files.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        /// <summary>Stop when no message arrived for this long (seconds, or a time span such as 0:05:00).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        [PositiveTimeSpan]
        public TimeSpan IdleTimeout { get; set; }

        /// <summary>Largest file kept in memory when there is no -OutputDirectory (default 256 MB).</summary>
        [Parameter]
        [ValidateRange(1L, long.MaxValue)]
        public long MaxMemoryFileSize { get; set; } = Defaults.MaxMemoryFileSize;

        /// <summary>
        /// Most files in progress at once (default 10,000). Beyond it the file that has waited longest for
        /// its next chunk is given up with IncompleteFileAbandoned, so a producer that starts files it never
        /// finishes cannot exhaust this receiver.
        /// </summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        [PSDefaultValue(Value = 10000)]
        public int MaxFilesInProgress { get; set; } = Defaults.MaxFilesInProgress;

        /// <summary>Most bytes held by files in progress (default 64 GB; takes 64GB); beyond it, as with -MaxFilesInProgress.</summary>
        [Parameter]
        [ValidateRange(1L, long.MaxValue)]
        [PSDefaultValue(Value = "64GB")]
        public long MaxBytesInProgress { get; set; } = Defaults.MaxBytesInProgress;

        protected override void EndProcessing()
        {
            OperationArguments arguments = Arguments();
            ReceiveOptions options = Terminating(() => Operation.DownloadDirectory.Build(arguments));
            // A file counts as taken only once it was written to the pipeline: if the pipeline
            // stops first, the next run with the same group gets it again.
            options.AcknowledgeFiles = true;
            string target = options.OutputDirectory ?? "memory";
            if (!ShouldProcess(target, $"Receive files from topic '{Topic}'"))
            {
                return;
            }
            KafkaSettings settings = ResolveSettings();
            var progress = new ProgressDisplay<ReceiveProgress>(this, ProgressActivityId, $"Receiving files from topic '{Topic}'", totals =>
                $"{totals.FilesReceived} files received, {totals.FilesInProgress} in progress, {totals.Messages} messages ({ByteSize.Format(totals.Bytes)})");
            RunEngine(arguments, settings, progress, (queue, diagnostics, monitor, cancellation) =>
            {
                using var receiver = new FileReceiver(settings, options, diagnostics);
                queue.Verbose($"Receiving from topic '{Topic}' on {settings.BootstrapServers} as consumer group '{receiver.GroupId}'.");
                var observer = new PipelineObserver<ReceivedFile, ReceiveProgress>(queue, progress, file => queue.Output(file, () => receiver.Acknowledge(file)));
                return (Summary: receiver.Run(monitor.Watch(observer), cancellation), receiver.Resumable);
            }, run => $"Stopped: {run.Summary.FilesReceived} file(s) received, {run.Summary.Messages} messages read; offsets of finished files committed. "
                + (run.Summary.DescribeIncomplete(run.Resumable, options.OutputDirectory) ?? "No file was left incomplete."));
        }

        internal override Operation Operation => Operation.DownloadDirectory;
    }
}
