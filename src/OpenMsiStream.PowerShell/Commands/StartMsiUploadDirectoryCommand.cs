using System;
using System.IO;
using System.Management.Automation;
using System.Text.RegularExpressions;
using System.Threading;
using OpenMsiStream.Chunks;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Kafka;
using OpenMsiStream.Operations;
using OpenMsiStream.PowerShell.Infrastructure;
using OpenMsiStream.Upload;
using OpenMsiStream.UploadDirectory;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Watches a directory and sends every new or changed file to a topic, until stopped.</para>
    /// <para type="description">Recursive. A file is sent once its size and modification time have not
    /// changed for -SettleTime and it can be opened. Every acknowledged chunk is recorded in a registry
    /// in the state directory, so after a crash only unacknowledged chunks are sent again; an unchanged
    /// file is never sent twice and a changed one is sent again as a new version. Emits one object per
    /// file sent. Runs until Ctrl+C or -Duration.</para>
    /// <para type="description">File-system events are only hints: a full scan every -ScanInterval
    /// (default 30 s) is the source of truth, so events lost on network shares cost latency, not files;
    /// -Polling uses scans only (every 5 s unless -ScanInterval says otherwise). A file that is locked is
    /// tried again with growing pauses and reported as a warning; it is never dropped. Hidden files (a
    /// name or directory starting with '.', or the Hidden attribute on Windows) and the state directory
    /// are skipped unless -IncludeHidden. -Include and -Exclude are globs ('*' within a name, '**' across
    /// directories; a pattern without '/' matches the name at any depth); -Filter is a regular expression
    /// on the relative path.</para>
    /// <para type="description">The first time a directory is watched for a topic, the files already in it
    /// are recorded as Skipped and sent only if they change, unless -UploadExisting is given; files
    /// created while the uploader was not running, or after it started, are sent either way. The registry
    /// lives in a per-user folder outside the watched directory (-StateDirectory to move it);
    /// Get-MsiUploadState shows it. Time spans take seconds (90) or a time span (1:30:00).</para>
    /// <para type="description">With -MetadataSidecar a file named &lt;name&gt;.metadata.json beside a data
    /// file &lt;name&gt; (scan 0001.tif.metadata.json beside scan 0001.tif) is that file's metadata: a JSON object
    /// whose values are strings (numbers and true/false are taken as their text), at most 1 KB, sent as a Kafka
    /// header on every chunk of the file; receivers show it as ReceivedFile.Metadata. Sidecars themselves are
    /// never sent. A data file waits until its sidecar has settled too, so a sidecar written before its data
    /// file, or within -SettleTime after it, travels with it; one written or changed after its data file
    /// was sent is reported as a warning and travels with the file's next version (change or touch the
    /// file to send it again). A sidecar that is not such a JSON object fails its data file
    /// (InvalidArgument), which is tried again as soon as the sidecar changes. With KafkaCrypto, which does
    /// not encrypt headers, -MetadataSidecar is refused (MetadataUnsupported).</para>
    /// <para type="notes">Deletions and renames are not propagated (a renamed file is a new file). The
    /// registry trusts size and modification time: content changed with both preserved is not noticed.
    /// Register-MsiService turns this command into a service that starts with the machine.</para>
    /// </summary>
    /// <example>
    /// <code>Start-MsiUploadDirectory -Path ./export -Topic lab -Config ./lab.config</code>
    /// <para>Watches ./export and its subdirectories and sends every new or changed file to the topic lab
    /// until Ctrl+C, which stops it cleanly. One SentFile is written per file sent; starting the same
    /// command again later resumes where it stopped.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Start-MsiUploadDirectory ./export -Topic lab -Config ./lab.config -UploadExisting `
    ///     -Include '*.csv' -Exclude 'raw/**' -MaxBytesPerSecond 5MB -Duration 8:00:00
    /// </code>
    /// <para>Also sends the files already there, but only CSV files outside raw/, at most 5 MB per second,
    /// and stops after eight hours.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Start-MsiUploadDirectory -Path //instrument-pc/export -Topic xrd -Config ./lab.config -Polling -ScanInterval 60 `
    ///     -SettleTime 10 -ProgramId xrd-upload -HeartbeatTopic heartbeats
    /// </code>
    /// <para>Watches a network share by scanning it once a minute, sends a file once it has been unchanged
    /// for 10 seconds, and sends a heartbeat as xrd-upload to the topic heartbeats every 60 seconds.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Start-MsiLocalBroker -Topic lab
    /// Start-MsiUploadDirectory -Path ./export -Topic lab -UploadExisting -Duration 30
    /// </code>
    /// <para>Tries it on the embedded broker: sends everything in ./export and stops after 30 seconds.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Set-Content ./export/run1/scan.raw.metadata.json '{ "sample": "STO-17", "operator": "M. Curie", "temperature_K": 77 }'
    /// Start-MsiUploadDirectory ./export -Topic lab -Config ./lab.config -MetadataSidecar -UploadExisting -Duration 60
    /// </code>
    /// <para>Sends ./export/run1/scan.raw with the metadata sample, operator and temperature_K (77 as the text
    /// "77"); the file scan.raw.metadata.json itself is not sent. Receive-MsiDataFile shows the metadata in the
    /// Metadata property of the received file.</para>
    /// </example>
    /// <seealso cref="GetMsiUploadStateCommand"/>
    /// <seealso cref="SendMsiDataFileCommand"/>
    /// <seealso cref="OpenMsiStream.PowerShell.Commands.Services.RegisterMsiServiceCommand"/>
    [Cmdlet(VerbsLifecycle.Start, "MsiUploadDirectory", SupportsShouldProcess = true)]
    [OutputType(typeof(SentFile))]
    public sealed class StartMsiUploadDirectoryCommand : LongRunningCmdlet
    {
        private const int ProgressActivityId = 3;

        /// <summary>The directory to watch.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>The topic to produce to.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.TopicCompleter))]
        public string Topic { get; set; } = string.Empty;

        /// <summary>Where the upload registry lives (default: &lt;home&gt;/uploads/&lt;name&gt;-&lt;hash&gt;, one folder per watched directory; &lt;home&gt; is $env:OPENMSISTREAM_HOME, else per-user local application data).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [PSDefaultValue(Help = "<home>/uploads/<name>-<hash>")]
        public string? StateDirectory { get; set; }

        /// <summary>How long a file's size and mtime must stay unchanged before it is sent (default 3 s).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        [PositiveTimeSpan]
        public TimeSpan SettleTime { get; set; } = Defaults.SettleTime;

        /// <summary>Rely on periodic scans only, for shares where file-system events are lost.</summary>
        [Parameter]
        public SwitchParameter Polling { get; set; }

        /// <summary>Time between full scans (default 30 s, or 5 s with -Polling).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        [PositiveTimeSpan]
        [PSDefaultValue(Help = "30 seconds, or 5 seconds with -Polling")]
        public TimeSpan ScanInterval { get; set; }

        /// <summary>Only files matching one of these globs ('*' within a name, '**' across directories).</summary>
        [Parameter]
        public string[] Include { get; set; } = Array.Empty<string>();

        /// <summary>Skip files matching one of these globs.</summary>
        [Parameter]
        public string[] Exclude { get; set; } = Array.Empty<string>();

        /// <summary>Only files whose relative path (with '/') matches this regular expression.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Filter { get; set; }

        /// <summary>Also send hidden files.</summary>
        [Parameter]
        public SwitchParameter IncludeHidden { get; set; }

        /// <summary>Send the files already there the first time the directory is watched.</summary>
        [Parameter]
        public SwitchParameter UploadExisting { get; set; }

        /// <summary>Send &lt;name&gt;.metadata.json beside a file as that file's metadata, never as a file of its own.</summary>
        [Parameter]
        public SwitchParameter MetadataSidecar { get; set; }

        /// <summary>Bytes per chunk, a power of two (default 524288).</summary>
        [Parameter]
        public int ChunkSize { get; set; } = ChunkSizeRules.Default;

        /// <summary>At most this many bytes per second.</summary>
        [Parameter]
        [ValidateRange(1L, long.MaxValue)]
        public long MaxBytesPerSecond { get; set; }

        /// <summary>Stop after this long (seconds, or a time span such as 8:00:00).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        [PositiveTimeSpan]
        public TimeSpan Duration { get; set; }

        protected override void EndProcessing()
        {
            OperationArguments arguments = Arguments();
            UploadDirectoryOptions options = Terminating(() => Operation.UploadDirectory.Build(arguments));
            if (!ShouldProcess(options.Directory, $"Watch and send new and changed files to topic '{Topic}'"))
            {
                return;
            }
            KafkaSettings settings = ResolveSettings();
            var progress = new ProgressDisplay<UploadProgress>(this, ProgressActivityId, $"Sending new and changed files of '{Path}' to topic '{Topic}'", totals =>
                $"{totals.FilesSent} files sent ({ByteSize.Format(totals.BytesSent)}, {ByteSize.Format(totals.BytesPerSecond)}/s); {totals.FilesInFlight} in flight, {totals.FilesWaiting} waiting");
            RunEngine(arguments, settings, progress, (queue, diagnostics, monitor, cancellation) =>
            {
                var uploader = new DirectoryUploader(settings, options, diagnostics);
                queue.Verbose($"Watching '{options.Directory}' for topic '{Topic}' on {settings.BootstrapServers}; state in '{uploader.StateDirectory}'.");
                using CancellationTokenSource stop = Operation.StopAfter(arguments, cancellation);
                return uploader.Run(monitor.Watch(new PipelineObserver<SentFile, UploadProgress>(queue, progress, file => queue.Output(file))), stop.Token);
            }, summary => $"Stopped: {summary.FilesSent} file(s) sent ({ByteSize.Format(summary.BytesSent)}), {summary.Errors} error(s). "
                + "Files in flight were recorded and are sent from where they stopped at the next start; Get-MsiUploadState shows them.");
        }

        internal override Operation Operation => Operation.UploadDirectory;
    }
}
