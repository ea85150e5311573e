using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Chunks;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.PowerShell.Infrastructure;
using OpenMsiStream.Upload;
using OpenMsiStream.Wire;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Sends files to a Kafka topic as OpenMSIStream chunk messages.</para>
    /// <para type="description">Each file is split into chunks, hashed (SHA-512 per chunk and for the
    /// whole file) and produced to the topic; it is reported as sent once the broker acknowledged every
    /// chunk. Files come from -Path or the pipeline (Get-ChildItem | Send-MsiDataFile).</para>
    /// <para type="description">-Path takes wildcards; -LiteralPath (aliases PSPath, FullName) takes names
    /// as they are and binds the FileInfo objects of Get-ChildItem. Without -RootDirectory each file is
    /// sent relative to its own directory, so consumers rebuild it under its bare name (as OpenMSIStream's
    /// UploadDataFile does); with -RootDirectory the path below it is kept, and a file outside it is an
    /// error (FileOutsideRootDirectory). Up to 64 files are read and produced at once, and each SentFile
    /// is written as soon as its file is acknowledged, so the output is not necessarily in input
    /// order.</para>
    /// <para type="description">Before the first file is read the broker is asked for metadata, so an
    /// unreachable broker or refused credentials stop the command within seconds (BrokerUnreachable,
    /// AuthenticationFailed). A file that does not exist, is a directory, or changes while it is being
    /// sent is a non-terminating error (FileNotFound, FileChangedDuringSend) and the other files go on.
    /// -ChunkSize must be a power of two that fits the producer's message.max.bytes with 2048 bytes to
    /// spare; the error names the largest size that fits. Without -Config and -BootstrapServers the
    /// embedded broker started by Start-MsiLocalBroker in this process is used. -WhatIf lists the files
    /// and the paths consumers would rebuild them at, without connecting.</para>
    /// <para type="description">-Metadata (a hashtable of names and values) travels with every file sent
    /// as its metadata: a JSON object of strings of at most 1 KB, as a Kafka header on every chunk, beside
    /// OpenMSIStream's unchanged chunk messages. Values are turned into text; receivers show it as
    /// ReceivedFile.Metadata, processors get it on the file object (script blocks), in the environment
    /// variable OPENMSISTREAM_METADATA (programs) or on ReceivedFile (.NET handlers). KafkaCrypto does not
    /// encrypt headers, so with KafkaCrypto configured -Metadata is refused (MetadataUnsupported), as it is
    /// for brokers older than Kafka 0.11, before anything is sent.</para>
    /// <para type="notes">Ctrl+C stops reading and producing; files not yet acknowledged are not
    /// reported as sent. To keep sending what appears in a directory, use Start-MsiUploadDirectory.</para>
    /// </summary>
    /// <example>
    /// <code>
    /// Start-MsiLocalBroker -Topic lab
    /// Send-MsiDataFile -Path ./scans/*.csv -Topic lab
    /// </code>
    /// <para>Starts the embedded broker and sends every CSV file in ./scans to the topic lab. One SentFile
    /// (relative path, length, chunks, partition, SHA-512) is written per file once the broker acknowledged
    /// all of its chunks; a consumer rebuilds each file under its bare name.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Get-ChildItem ./export -File -Recurse |
    ///     Send-MsiDataFile -Topic lab -Config ./lab.config -RootDirectory ./export
    /// </code>
    /// <para>Sends a whole directory tree to the broker named in ./lab.config. The FileInfo objects bind
    /// to -LiteralPath; because of -RootDirectory a file such as ./export/run1/scan.raw is rebuilt by
    /// consumers as run1/scan.raw.</para>
    /// </example>
    /// <example>
    /// <code>Send-MsiDataFile -Path ./scans/*.raw -Topic lab -BootstrapServers kafka.lab:9092 -WhatIf</code>
    /// <para>Shows which files would be sent, their sizes and the relative paths consumers would rebuild
    /// them at. Nothing connects to the broker and nothing is sent.</para>
    /// </example>
    /// <example>
    /// <code>Send-MsiDataFile -LiteralPath './run [3]/frame 0001.tif' -Topic lab -Config ./lab.config -ChunkSize 131072</code>
    /// <para>Sends a file whose name contains wildcard characters, taken literally, in chunks of 128 KiB
    /// instead of the default 512 KiB.</para>
    /// </example>
    /// <example>
    /// <code>Send-MsiDataFile -Path ./scan.raw -Topic lab -Config ./lab.config -Metadata @{ sample = 'STO-17'; operator = 'M. Curie'; temperature_K = 77 }</code>
    /// <para>Sends scan.raw with its sample, operator and temperature as metadata. A receiver sees them in
    /// the Metadata property of the ReceivedFile ($file.Metadata['sample']).</para>
    /// </example>
    /// <seealso cref="ReceiveMsiDataFileCommand"/>
    /// <seealso cref="StartMsiUploadDirectoryCommand"/>
    /// <seealso cref="StartMsiLocalBrokerCommand"/>
    [Cmdlet(VerbsCommunications.Send, "MsiDataFile", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(SentFile))]
    public sealed class SendMsiDataFileCommand : KafkaCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const int MaxFilesInFlight = 64;
        private const int ProgressActivityId = 1;

        /// <summary>The file sent under each relative path by this command, to refuse a second file with the same one.</summary>
        private readonly RelativePathClaims _claims = new RelativePathClaims("-RootDirectory");

        private readonly List<KeyValuePair<FileToSend, Task<SentFile>>> _inFlight = new List<KeyValuePair<FileToSend, Task<SentFile>>>();
        private readonly ProgressThrottle _progressThrottle = new ProgressThrottle();
        private readonly PipelineQueue _diagnostics;
        private FileSender? _sender;
        private FileMetadata _metadata = FileMetadata.None;
        private long _bytesApproved;
        private long _bytesHashed;
        private long _bytesQueued;
        private bool _stopSummaryWritten;
        private bool _capacityWarned;
        private string? _embeddedBroker;
        private int _filesApproved;
        private int _filesDone;

        public SendMsiDataFileCommand() => _diagnostics = new PipelineQueue(1024, StopToken);

        /// <summary>Files to send; wildcards allowed.</summary>
        [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Files to send, taken literally; binds FileInfo objects from the pipeline.</summary>
        [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>The topic to produce to.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.TopicCompleter))]
        public string Topic { get; set; } = string.Empty;

        /// <summary>Bytes per chunk, a power of two (default 524288).</summary>
        [Parameter]
        public int ChunkSize { get; set; } = ChunkSizeRules.Default;

        /// <summary>Directory the consumer-side path is relative to (default: each file's own directory).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [PSDefaultValue(Help = "each file's own directory")]
        public string? RootDirectory { get; set; }

        /// <summary>Metadata sent with every file: names and values (made text), at most 1 KB as JSON.</summary>
        [Parameter]
        [PSDefaultValue(Help = "none")]
        public Hashtable? Metadata { get; set; }

        protected override void BeginProcessing()
        {
            try
            {
                _metadata = FileMetadataFrom(Metadata);
                TopicName.Validate(Topic);
                ChunkSizeRules.Validate(ChunkSize, int.MaxValue); // the message-size bound is checked against the real config later
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error);
            }
        }

        protected override void ProcessRecord()
        {
            foreach (string path in InputPaths())
            {
                FileToSend file;
                try
                {
                    file = FileToSend.Create(path, RootDirectory == null ? null : ResolvePath(RootDirectory)).WithMetadata(_metadata);
                    _claims.Claim(file);
                }
                catch (OpenMsiStreamException error)
                {
                    WriteError(error, path);
                    continue;
                }
                long length = new FileInfo(file.FullPath).Length;
                if (!ShouldProcess($"{file.FullPath} ({ByteSize.Format(length)})", $"Send to topic '{Topic}' as '{file.RelativePath}'"))
                {
                    continue;
                }
                FileSender sender = EnsureSender();
                _filesApproved++;
                _bytesApproved += length;
                WarnAboutEmbeddedBrokerCapacity(file, length);
                _inFlight.Add(new KeyValuePair<FileToSend, Task<SentFile>>(file,
                    sender.SendAsync(file, new SendHooks
                    {
                        BytesHashed = bytes => Interlocked.Add(ref _bytesHashed, bytes),
                        BytesQueued = bytes => Interlocked.Add(ref _bytesQueued, bytes),
                    }, StopToken)));
                WriteFinished(waitForOne: _inFlight.Count >= MaxFilesInFlight);
            }
        }

        protected override void EndProcessing()
        {
            while (_inFlight.Count > 0)
            {
                WriteFinished(waitForOne: true);
            }
            _diagnostics.WriteAvailable(this);
            if (_filesApproved > 0)
            {
                WriteProgress(new ProgressRecord(ProgressActivityId, Activity, $"{_filesDone} of {_filesApproved} files sent") { RecordType = ProgressRecordType.Completed });
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                if (StopRequested)
                {
                    // Stopped while the pipeline was upstream of this command (Get-ChildItem still listing):
                    // the files in flight are still worth naming.
                    WriteStopSummary();
                }
                _sender?.Dispose();
                _diagnostics.Dispose();
            }
            base.Dispose(disposing);
        }

        private string Activity => $"Sending files to topic '{Topic}'";

        private FileSender EnsureSender()
        {
            if (_sender != null)
            {
                return _sender;
            }
            KafkaSettings settings = ResolveSettings();
            LocalBrokerInfo? local = LocalBrokerSession.Current;
            _embeddedBroker = local != null && string.Equals(local.BootstrapServers, settings.BootstrapServers, StringComparison.Ordinal) ? local.BootstrapServers : null;
            try
            {
                var diagnostics = new ClientDiagnostics();
                ForwardDiagnostics(diagnostics, _diagnostics);
                _sender = new FileSender(settings, new SendOptions(Topic) { ChunkSize = ChunkSize }, diagnostics);
                WriteVerbose($"Connecting to {settings.BootstrapServers} ({settings.Source}).");
                _sender.Connect(StopToken);
                if (!_metadata.IsEmpty)
                {
                    _sender.RequireMetadataSupport("-Metadata");
                }
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error);
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            return _sender!;
        }

        /// <summary>Writes results of finished sends (and progress); optionally waits until one finishes.</summary>
        private void WriteFinished(bool waitForOne)
        {
            while (true)
            {
                _diagnostics.WriteAvailable(this);
                WriteSendProgress();
                var done = _inFlight.Where(f => f.Value.IsCompleted).ToList();
                foreach (KeyValuePair<FileToSend, Task<SentFile>> finished in done)
                {
                    _inFlight.Remove(finished);
                    WriteResult(finished.Key, finished.Value);
                }
                if (done.Count > 0 || !waitForOne || _inFlight.Count == 0)
                {
                    return;
                }
                Task.WaitAny(_inFlight.Select(f => (Task)f.Value).ToArray(), 250);
                if (StopRequested)
                {
                    WriteStopSummary();
                    throw new PipelineStoppedException();
                }
            }
        }

        private void WriteResult(FileToSend file, Task<SentFile> task)
        {
            if (task.Status == TaskStatus.RanToCompletion)
            {
                WriteObject(task.Result);
                _filesDone++;
                return;
            }
            Exception? error = task.Exception?.GetBaseException();
            if (error != null && !(error is OperationCanceledException))
            {
                WriteError(OpenMsiStreamException.From(error), file.FullPath);
            }
        }

        /// <summary>
        /// Progress in two phases per file, as the work is done: every file is read once for its SHA-512
        /// (which every chunk carries, so it comes first; seconds for a large file) and once to send it.
        /// </summary>
        private void WriteSendProgress()
        {
            if (_filesApproved == 0 || !_progressThrottle.IsDue())
            {
                return;
            }
            long hashed = Interlocked.Read(ref _bytesHashed);
            long queued = Interlocked.Read(ref _bytesQueued);
            int percent = _bytesApproved > 0 ? (int)Math.Min(100, (hashed + queued) * 50 / _bytesApproved) : 0;
            string phase = hashed < _bytesApproved
                ? $"{ByteSize.Format(hashed)} of {ByteSize.Format(_bytesApproved)} hashed, {ByteSize.Format(queued)} sent"
                : $"{ByteSize.Format(queued)} of {ByteSize.Format(_bytesApproved)} sent";
            WriteProgress(new ProgressRecord(ProgressActivityId, Activity, $"{_filesDone} of {_filesApproved} files sent; {phase}") { PercentComplete = percent });
        }

        /// <summary>
        /// The embedded broker keeps 5 MiB per partition and drops older messages silently; a file's
        /// chunks share a partition. Nothing here can know whether a receiver reads while this sends, so
        /// the user is told, once, before the data can be lost.
        /// </summary>
        private void WarnAboutEmbeddedBrokerCapacity(FileToSend file, long length)
        {
            if (_embeddedBroker == null || _capacityWarned)
            {
                return;
            }
            LocalBrokerInfo? local = LocalBrokerSession.Current;
            int partitions = local != null && Array.IndexOf(local.Topics, Topic) >= 0 ? local.Partitions : LocalBroker.LocalKafkaBroker.AutoCreatedTopicPartitions;
            long capacity = LocalBroker.LocalKafkaBroker.PartitionCapacityBytes;
            string? why = length > capacity
                ? $"'{file.RelativePath}' ({ByteSize.Format(length)}) is larger than the {ByteSize.Format(capacity)} the embedded broker keeps per partition, and all its chunks go to one partition"
                : _bytesApproved > capacity * partitions
                    ? $"this command sends {ByteSize.Format(_bytesApproved)}, more than the embedded broker keeps ({partitions} partitions of {ByteSize.Format(capacity)})"
                    : null;
            if (why != null)
            {
                _capacityWarned = true;
                WriteWarning($"{why}: it drops the oldest messages without telling anyone. Only a receiver that runs while this is sent (Receive-MsiDataFile in Start-ThreadJob or another session) gets everything; a receiver started afterwards gets incomplete files. Use a real Kafka broker for data that matters.");
            }
        }

        /// <summary>
        /// After Ctrl+C: files already acknowledged have been written to the pipeline; the user learns which
        /// were not sent completely (they can be sent again: the broker may hold part of them).
        /// </summary>
        private void WriteStopSummary()
        {
            if (_stopSummaryWritten || _filesApproved == 0)
            {
                return;
            }
            _stopSummaryWritten = true;
            var notSent = new List<string>();
            var sentNotShown = new List<string>();
            foreach (KeyValuePair<FileToSend, Task<SentFile>> file in _inFlight)
            {
                (file.Value.Status == TaskStatus.RanToCompletion ? sentNotShown : notSent).Add(file.Key.FullPath);
            }
            string text = $"Stopped: {_filesDone + sentNotShown.Count} of {_filesApproved} files sent"
                + (sentNotShown.Count > 0 ? $" ({string.Join(", ", sentNotShown.Select(f => "'" + f + "'"))} not shown above)" : string.Empty)
                + (notSent.Count > 0 ? $"; not sent completely, send again: {string.Join(", ", notSent.Select(f => "'" + f + "'"))}." : ".");
            WriteStopWarning(text);
        }

        /// <summary>-Metadata as the file metadata it means: keys and values as text (a $null value is empty).</summary>
        private static FileMetadata FileMetadataFrom(Hashtable? table)
        {
            if (table == null)
            {
                return FileMetadata.None;
            }
            var values = new List<KeyValuePair<string, string>>();
            foreach (DictionaryEntry entry in table)
            {
                values.Add(new KeyValuePair<string, string>(Text(entry.Key), Text(entry.Value)));
            }
            return FileMetadata.From(values, "-Metadata");
        }

        /// <summary>A value as PowerShell would print it in a string ("$value"): numbers in the invariant culture.</summary>
        private static string Text(object? value) =>
            LanguagePrimitives.ConvertTo<string>(value is PSObject wrapped ? wrapped.BaseObject : value) ?? string.Empty;

        private IEnumerable<string> InputPaths()
        {
            if (ParameterSetName == LiteralPathSet)
            {
                foreach (string literal in LiteralPath)
                {
                    yield return ResolvePath(literal);
                }
                yield break;
            }
            foreach (string pattern in Path)
            {
                IEnumerable<string> matches;
                try
                {
                    matches = GetResolvedProviderPathFromPSPath(pattern, out ProviderInfo provider);
                    if (provider.Name != "FileSystem")
                    {
                        WriteError(new OpenMsiStreamException(ErrorIds.FileNotFound, $"'{pattern}' is not a file-system path.", target: pattern));
                        continue;
                    }
                }
                catch (ItemNotFoundException)
                {
                    WriteError(new OpenMsiStreamException(ErrorIds.FileNotFound, $"File '{pattern}' does not exist.", target: pattern));
                    continue;
                }
                foreach (string match in matches)
                {
                    yield return match;
                }
            }
        }
    }
}
