using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Chunks;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Upload;

namespace OpenMsiStream.UploadDirectory
{
    /// <summary>
    /// Watches a directory and sends every new or changed file to a topic, for months. File-system
    /// events are hints and a periodic scan is the source of truth; a file is sent once it has settled;
    /// the registry records every acknowledged chunk, so after a crash only unacknowledged chunks are
    /// sent again, an unchanged file is never sent twice and a changed one is sent as a new version.
    /// </summary>
    /// <remarks>
    /// One thread (the one calling <see cref="Run"/>) owns the bookkeeping; reading and producing run on
    /// the sender's workers and acknowledgements arrive on librdkafka's thread, each touching only its
    /// file's <see cref="InFlightFile"/> under that file's lock. Registry writes are batched a few times a
    /// second in one transaction.
    /// </remarks>
    public sealed class DirectoryUploader
    {
        private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
        private static readonly TimeSpan SaveInterval = TimeSpan.FromMilliseconds(250);
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);
        private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(10);
        private const int SaveBatchLimit = 1000;

        private readonly KafkaSettings _settings;
        private readonly UploadDirectoryOptions _options;
        private readonly string _root;
        private readonly DirectoryScanner _scanner;
        private readonly FileSelector _selector;
        private readonly Dictionary<string, InFlightFile> _inFlight = new Dictionary<string, InFlightFile>(StringComparer.Ordinal);
        private readonly Queue<PendingSend> _ready = new Queue<PendingSend>();
        private readonly HashSet<string> _readyPaths = new HashSet<string>(StringComparer.Ordinal);
        private readonly Dictionary<string, UploadRecord> _unsaved = new Dictionary<string, UploadRecord>(StringComparer.Ordinal);

        /// <summary>
        /// Files sent whose record is not saved yet. They are reported only once the save that records
        /// them committed: a file reported sent is never sent (and reported) again after a kill -9.
        /// </summary>
        private readonly List<SentFile> _sentUnsaved = new List<SentFile>();
        private readonly Dictionary<string, DateTime> _retryAt = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        private readonly SettleTracker _settle;

        /// <summary>With -MetadataSidecar: the size and mtime each sidecar had when last seen, to notice when it changes.</summary>
        private readonly Dictionary<string, FileState> _sidecars = new Dictionary<string, FileState>(StringComparer.Ordinal);
        private readonly RateMeter _rate = new RateMeter();

        /// <summary>Set when a send finishes, so the loop starts the next one at once instead of at the next tick.</summary>
        private readonly AutoResetEvent _sendFinished = new AutoResetEvent(false);

        /// <summary>Warnings raised on the watcher's thread, passed on from the loop's thread.</summary>
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _watcherWarnings = new System.Collections.Concurrent.ConcurrentQueue<string>();
        /// <summary>
        /// Without -UploadExisting, the first scan records what is there as already present. A file written
        /// after the first start ever recorded for the directory and topic is new even when a first scan is
        /// the one to find it (the connection check and the scan take a while; a first run may not have
        /// reached the broker, or may have been killed before its scan); 2 s of slack cover coarse
        /// file-system timestamps.
        /// </summary>
        private static readonly TimeSpan StartSlack = TimeSpan.FromSeconds(2);

        private DateTime _presentBefore;
        private FileSender _sender = null!;
        private UploadRegistry _registry = null!;
        private IRunObserver<SentFile, UploadProgress> _observer = null!;
        private long _bytesQueued;
        private int _filesSent;
        private int _errors;

        public DirectoryUploader(KafkaSettings settings, UploadDirectoryOptions options, ClientDiagnostics? diagnostics = null)
        {
            TopicName.Validate(options.Topic);
            _settings = settings;
            _options = options;
            _root = Path.GetFullPath(options.Directory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            if (File.Exists(_root))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    $"'{_root}' is a file, not a directory: the uploader watches a directory (to send one file, use Send-MsiDataFile or 'openmsistream upload-file').", target: _root);
            }
            if (!Directory.Exists(_root))
            {
                throw new OpenMsiStreamException(ErrorIds.FileNotFound, $"Directory '{_root}' does not exist.", target: _root);
            }
            Diagnostics = diagnostics ?? new ClientDiagnostics();
            StateDirectory = Path.GetFullPath(options.StateDirectory ?? UploadRegistry.DefaultStateDirectory(_root));
            _scanner = new DirectoryScanner(_root);
            string? stateInside = StateDirectory.StartsWith(_root + Path.DirectorySeparatorChar, FileSystem.PathRules.Comparison) ? _scanner.RelativePathOf(StateDirectory) : null;
            _selector = new FileSelector(options.Include, options.Exclude, options.Filter, options.IncludeHidden, stateInside);
            _settle = new SettleTracker(options.SettleTime);
        }

        public ClientDiagnostics Diagnostics { get; }

        /// <summary>Where the upload registry of this directory lives.</summary>
        public string StateDirectory { get; }

        /// <summary>
        /// Raised on the uploader's thread once the broker answered and the first scan is done: from then
        /// on, a file written in the directory counts as new.
        /// </summary>
        public event Action? Watching;

        /// <summary>Runs until <paramref name="cancellationToken"/> fires; then stops intake, lets the broker acknowledge what was produced, and saves the state.</summary>
        public UploadSummary Run(IRunObserver<SentFile, UploadProgress> observer, CancellationToken cancellationToken)
        {
            _observer = observer;
            var clock = Stopwatch.StartNew();
            using UploadRegistry registry = UploadRegistry.Open(StateDirectory, _root, _options.Topic);
            _registry = registry;
            _presentBefore = registry.FirstStartedAtUtc - StartSlack;
            _sender = NewSender();
            using var intake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ChangeWatcher? watcher = null;
            try
            {
                _sender.Connect(cancellationToken);
                if (_options.MetadataSidecar)
                {
                    _sender.RequireMetadataSupport("Metadata sidecars (-MetadataSidecar, --metadata-sidecar)");
                }
                watcher = StartWatcher();
                ResumeUnfinished();
                bool firstStart = registry.IsFirstStart;
                Scan(baseline: firstStart && !_options.UploadExisting, cancellationToken);
                if (cancellationToken.IsCancellationRequested)
                {
                    return Summary(clock);
                }
                Save();
                registry.MarkBaselineDone();
                Watching?.Invoke();
                DateTime nextScan = DateTime.UtcNow + _options.EffectiveScanInterval;
                TimeSpan lastSave = TimeSpan.Zero, lastProgress = TimeSpan.Zero;
                while (!cancellationToken.IsCancellationRequested)
                {
                    DateTime now = DateTime.UtcNow;
                    DrainHints(watcher, now);
                    if (now >= nextScan || watcher?.TakeRescanRequest() == true)
                    {
                        Scan(baseline: false, cancellationToken);
                        nextScan = DateTime.UtcNow + _options.EffectiveScanInterval;
                    }
                    RetryDue(now);
                    foreach (KeyValuePair<string, FileState> ready in _settle.Poll(now, _scanner.FullPathOf, ReportUnreadable))
                    {
                        if (_options.MetadataSidecar && MetadataSidecar.IsSidecar(ready.Key))
                        {
                            continue; // settled: its data file may go now
                        }
                        if (_options.MetadataSidecar && _settle.Contains(MetadataSidecar.SidecarOf(ready.Key)))
                        {
                            _settle.Observe(ready.Key, ready.Value, now); // its sidecar is still being written
                            continue;
                        }
                        Enqueue(ready.Key, ready.Value, resume: null);
                    }
                    ReplaceBrokenSender(intake.Token);
                    StartSends(intake.Token);
                    CollectFinished();
                    if (clock.Elapsed - lastSave >= SaveInterval || _unsaved.Count >= SaveBatchLimit)
                    {
                        Save();
                        lastSave = clock.Elapsed;
                    }
                    if (clock.Elapsed - lastProgress >= ProgressInterval)
                    {
                        ReportProgress();
                        if (Diagnostics.Reachability.TakeNews(_settings.BootstrapServers!, DateTime.UtcNow) is string news)
                        {
                            _observer.Warning(news);
                        }
                        lastProgress = clock.Elapsed;
                    }
                    WaitHandle.WaitAny(new[] { cancellationToken.WaitHandle, _sendFinished }, Tick);
                }
            }
            finally
            {
                watcher?.Dispose();
                Stop(intake);
                _sender.Dispose();
            }
            return Summary(clock);
        }

        private UploadSummary Summary(Stopwatch clock) => new UploadSummary(_filesSent, _errors, Interlocked.Read(ref _bytesQueued), clock.Elapsed);

        private FileSender NewSender() => new FileSender(_settings, new SendOptions(_options.Topic)
        {
            ChunkSize = _options.ChunkSize,
            MaxBytesPerSecond = _options.MaxBytesPerSecond,
            ConnectTimeout = _options.ConnectTimeout,
        }, Diagnostics);

        /// <summary>
        /// A fatal producer error (the idempotent producer lost its guarantees) makes every later send
        /// fail; once the sends in flight have failed, the producer is replaced and they are retried.
        /// </summary>
        private void ReplaceBrokenSender(CancellationToken intake)
        {
            string? fatal = Diagnostics.FatalError;
            if (fatal == null || _inFlight.Count > 0 || intake.IsCancellationRequested)
            {
                return;
            }
            _observer.Warning($"The Kafka producer reported a fatal error ({fatal}); starting a new one.");
            _sender.Dispose();
            Diagnostics.ClearFatalError();
            _sender = NewSender();
        }

        /// <summary>
        /// Ends intake, lets produced chunks be acknowledged (bounded by StopTimeout), and saves
        /// everything. The save happens whatever else fails here: it is what the next start relies on.
        /// </summary>
        private void Stop(CancellationTokenSource intake)
        {
            intake.Cancel();
            try
            {
                try
                {
                    Task.WaitAll(_inFlight.Values.Select(f => (Task)f.Task!).ToArray(), _options.StopTimeout);
                }
                catch (AggregateException)
                {
                    // Cancelled and failed sends are handled below.
                }
                using (var flushLimit = new CancellationTokenSource(_options.StopTimeout))
                {
                    try
                    {
                        _sender.Flush(flushLimit.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        Notify(() => _observer.Warning($"The broker did not acknowledge every chunk within {_options.StopTimeout.TotalSeconds:0} s of stopping; those chunks are sent again at the next start."));
                    }
                }
                CollectFinished();
            }
            finally
            {
                foreach (InFlightFile file in _inFlight.Values)
                {
                    StageProgress(file);
                }
                Save();
                Notify(ReportProgress);
            }
        }

        /// <summary>Tells the observer something while stopping; a front end that already stopped listening must not prevent the save.</summary>
        private static void Notify(Action report)
        {
            try
            {
                report();
            }
            catch (Exception ex) when (ex is OperationCanceledException || ex is ObjectDisposedException || ex is InvalidOperationException)
            {
            }
        }

        private ChangeWatcher? StartWatcher()
        {
            if (_options.PollingOnly)
            {
                return null;
            }
            try
            {
                return new ChangeWatcher(_root, _watcherWarnings.Enqueue);
            }
            catch (Exception ex) when (ex is IOException || ex is ArgumentException || ex is PlatformNotSupportedException || ex is UnauthorizedAccessException)
            {
                _observer.Warning($"File-system events are not available for '{_root}' ({ex.Message}); relying on scans every {_options.EffectiveScanInterval.TotalSeconds:0} s.");
                return null;
            }
        }

        /// <summary>Files a crash or stop interrupted: unchanged ones resume where they were, changed ones start over.</summary>
        private void ResumeUnfinished()
        {
            DateTime now = DateTime.UtcNow;
            foreach (UploadRecord record in _registry.All(UploadStatus.InProgress))
            {
                FileState? state = Stat(record.RelativePath);
                if (!state.HasValue)
                {
                    _unsaved[record.RelativePath] = record.AsFailed("The file was deleted before it was sent completely.");
                    _observer.Warning($"'{record.RelativePath}' was being sent when the uploader stopped and no longer exists.");
                }
                else if (record.Matches(state.Value) && record.FileHash != null)
                {
                    Enqueue(record.RelativePath, state.Value, new ResumePoint(record.ChunkSize, record.FileHash, record.IsAcknowledged));
                }
                else
                {
                    _settle.Observe(record.RelativePath, state, now);
                }
            }
        }

        private void Scan(bool baseline, CancellationToken cancellationToken)
        {
            DateTime now = DateTime.UtcNow;
            foreach (KeyValuePair<string, List<ScannedFile>> directory in _scanner.Scan(_observer.Warning, cancellationToken))
            {
                Dictionary<string, UploadRecord> recorded = _registry.FindChildren(directory.Key);
                foreach (ScannedFile file in directory.Value)
                {
                    if (_options.MetadataSidecar && MetadataSidecar.IsSidecar(file.RelativePath))
                    {
                        SidecarSeen(file.RelativePath, file.State, now);
                        continue;
                    }
                    if (!_selector.IsSelected(file.RelativePath, file.Attributes))
                    {
                        continue;
                    }
                    UploadRecord? record = _unsaved.TryGetValue(file.RelativePath, out UploadRecord? pending) ? pending
                        : recorded.TryGetValue(file.RelativePath, out UploadRecord? stored) ? stored : null;
                    Consider(file.RelativePath, file.State, record, baseline, now);
                }
                if (_unsaved.Count >= SaveBatchLimit)
                {
                    Save(); // a first scan of a large tree records what it found as it goes
                }
            }
        }

        private void DrainHints(ChangeWatcher? watcher, DateTime now)
        {
            while (_watcherWarnings.TryDequeue(out string? warning))
            {
                _observer.Warning(warning);
            }
            if (watcher == null)
            {
                return;
            }
            while (watcher.TryTake(out string fullPath))
            {
                if (!fullPath.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    continue;
                }
                string relativePath = _scanner.RelativePathOf(fullPath);
                FileState? state = Stat(relativePath);
                FileAttributes attributes;
                try
                {
                    attributes = File.GetAttributes(fullPath);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    continue; // gone again, or not ours to read; the scan reports unreadable directories
                }
                if (state.HasValue && _options.MetadataSidecar && MetadataSidecar.IsSidecar(relativePath))
                {
                    SidecarSeen(relativePath, state.Value, now);
                }
                else if (state.HasValue && _selector.IsSelected(relativePath, attributes))
                {
                    Consider(relativePath, state.Value, Lookup(relativePath), baseline: false, now);
                }
            }
        }

        /// <summary>Decides whether a file found on disk needs sending, by comparing it with the registry.</summary>
        private void Consider(string relativePath, FileState state, UploadRecord? record, bool baseline, DateTime now)
        {
            if (_inFlight.ContainsKey(relativePath) || _readyPaths.Contains(relativePath))
            {
                return; // looked at again when its current send finishes
            }
            if (_settle.Contains(relativePath))
            {
                _settle.Observe(relativePath, state, now);
                return;
            }
            switch (record?.Status)
            {
                case null when baseline && state.LastWriteTimeUtc < _presentBefore:
                    _unsaved[relativePath] = UploadRecord.Skipped(_options.Topic, relativePath, state);
                    break;
                case null:
                case UploadStatus.InProgress:
                    Settle(relativePath, state, now);
                    break;
                case UploadStatus.Sent:
                case UploadStatus.Skipped:
                    if (!record.Matches(state))
                    {
                        Settle(relativePath, state, now);
                    }
                    break;
                case UploadStatus.Failed:
                    if (!_retryAt.TryGetValue(relativePath, out DateTime at) || at <= now)
                    {
                        _retryAt.Remove(relativePath);
                        Settle(relativePath, state, now);
                    }
                    break;
            }
        }

        /// <summary>
        /// A new or changed file waits until it has settled; one whose name no receiver writes is refused at
        /// once instead (reported and kept as Failed by StartSends): a Windows device name such as aux.csv
        /// cannot even be read as a file on Windows, so it would never settle and never be reported.
        /// </summary>
        private void Settle(string relativePath, FileState state, DateTime now)
        {
            if (Wire.SafeRelativePath.ProblemOnEveryReceiver(relativePath) != null)
            {
                Enqueue(relativePath, state, null);
                return;
            }
            _settle.Observe(relativePath, state, now);
        }

        /// <summary>
        /// A sidecar (-MetadataSidecar) found by a scan or an event. It is never sent; a new or changed one
        /// holds its data file back until it has settled too (see the ready files in <see cref="Run"/>). One
        /// that changed after its data file was sent is reported: that version went with the metadata of
        /// its time, and the new metadata goes with the next version. A data file that failed (a sidecar
        /// that was not valid JSON, for instance) is tried again at once.
        /// </summary>
        private void SidecarSeen(string sidecar, FileState state, DateTime now)
        {
            if (_sidecars.TryGetValue(sidecar, out FileState known) && known.Equals(state))
            {
                return;
            }
            _sidecars[sidecar] = state;
            _settle.Observe(sidecar, state, now);
            string data = MetadataSidecar.DataFileOf(sidecar);
            if (_inFlight.ContainsKey(data))
            {
                _observer.Warning($"The metadata file '{sidecar}' changed while '{data}' was being sent with the metadata it had before; the new metadata goes with the next version of '{data}'.");
                return;
            }
            if (_readyPaths.Contains(data) || _settle.Contains(data))
            {
                return; // the metadata is read when its send starts
            }
            UploadRecord? record = Lookup(data);
            FileState? dataState = Stat(data);
            if (record == null || !dataState.HasValue || !_selector.IsSelected(data))
            {
                return;
            }
            if (record.Status == UploadStatus.Failed)
            {
                _retryAt.Remove(data);
                Settle(data, dataState.Value, now);
            }
            else if (record.Status == UploadStatus.Sent && record.Matches(dataState.Value) && record.StartedAt.HasValue && state.LastWriteTimeUtc > record.StartedAt.Value.UtcDateTime)
            {
                _observer.Warning($"The metadata file '{sidecar}' was written after '{data}' was sent, which went with the metadata it had then; the new metadata goes with the next version of '{data}' (change or touch '{data}' to send it again now).");
            }
        }

        private void RetryDue(DateTime now)
        {
            foreach (KeyValuePair<string, DateTime> due in _retryAt.Where(r => r.Value <= now).ToList())
            {
                _retryAt.Remove(due.Key);
                if (!_inFlight.ContainsKey(due.Key) && !_readyPaths.Contains(due.Key))
                {
                    _settle.Observe(due.Key, null, now);
                }
            }
        }

        private void Enqueue(string relativePath, FileState state, ResumePoint? resume)
        {
            if (_inFlight.ContainsKey(relativePath) || !_readyPaths.Add(relativePath))
            {
                return;
            }
            _ready.Enqueue(new PendingSend(relativePath, state, resume));
        }

        private void StartSends(CancellationToken intake)
        {
            while (_inFlight.Count < _options.MaxFilesInFlight && _ready.Count > 0 && !intake.IsCancellationRequested && Diagnostics.FatalError == null)
            {
                PendingSend next = _ready.Dequeue();
                _readyPaths.Remove(next.RelativePath);
                FileToSend file;
                OpenMsiStreamException? badMetadata = null;
                try
                {
                    file = FileToSend.Create(_scanner.FullPathOf(next.RelativePath), _root);
                    if (_options.MetadataSidecar)
                    {
                        string sidecar = MetadataSidecar.SidecarOf(next.RelativePath);
                        try
                        {
                            file = file.WithMetadata(MetadataSidecar.Read(_scanner.FullPathOf(sidecar), sidecar));
                        }
                        catch (OpenMsiStreamException invalid)
                        {
                            badMetadata = invalid; // fails below like a send, and is tried again (at once when the sidecar changes)
                        }
                    }
                }
                catch (OpenMsiStreamException refused) when (refused.ErrorId == ErrorIds.UnsafePath)
                {
                    // A name no receiver writes: reported once and kept as Failed (visible in the upload
                    // state) but not tried again in this run; renaming the file makes it a new one.
                    _unsaved[next.RelativePath] = UploadRecord.FailedBeforeSending(_options.Topic, next.RelativePath,
                        Stat(next.RelativePath) ?? new FileState(0, DateTime.MinValue), refused.Message, Lookup(next.RelativePath));
                    _retryAt[next.RelativePath] = DateTime.MaxValue;
                    _errors++;
                    _observer.Error(refused);
                    continue;
                }
                catch (OpenMsiStreamException)
                {
                    continue; // deleted after it settled: nothing to send
                }
                var inFlight = new InFlightFile(next.RelativePath, Lookup(next.RelativePath));
                var hooks = new SendHooks
                {
                    Resume = next.Resume,
                    SettledState = next.State,
                    BytesQueued = bytes =>
                    {
                        Interlocked.Add(ref _bytesQueued, bytes);
                    },
                    Planned = plan => inFlight.Plan(_options.Topic, plan),
                    ChunkAcknowledged = inFlight.Acknowledge,
                };
                inFlight.Task = badMetadata != null ? Task.FromException<SentFile>(badMetadata) : _sender.SendAsync(file, hooks, intake);
                inFlight.Task.ContinueWith(_ => _sendFinished.Set(), TaskScheduler.Default);
                _inFlight.Add(next.RelativePath, inFlight);
            }
        }

        private void CollectFinished()
        {
            foreach (InFlightFile file in _inFlight.Values.Where(f => f.Task!.IsCompleted).ToList())
            {
                _inFlight.Remove(file.RelativePath);
                Task<SentFile> task = file.Task!;
                if (task.Status == TaskStatus.RanToCompletion)
                {
                    Succeeded(file, task.Result);
                }
                else if (task.Exception?.GetBaseException() is Exception error && !(error is OperationCanceledException))
                {
                    Failed(file, error);
                }
                else
                {
                    StageProgress(file); // stopped: what was acknowledged is kept for the next start
                }
            }
        }

        private void Succeeded(InFlightFile file, SentFile sent)
        {
            UploadRecord? planned = file.PlannedRecord;
            _unsaved[file.RelativePath] = planned!.AsSent(sent);
            _retryAt.Remove(file.RelativePath);
            _filesSent++;
            _sentUnsaved.Add(sent);
            FileState? now = Stat(file.RelativePath);
            if (now.HasValue && (now.Value.Length != sent.Length || now.Value.LastWriteTimeUtc != sent.LastWriteTimeUtc))
            {
                _settle.Observe(file.RelativePath, now, DateTime.UtcNow); // changed while it was sent: send the new version
            }
        }

        private void Failed(InFlightFile file, Exception error)
        {
            var known = error as OpenMsiStreamException;
            if (known?.ErrorId == ErrorIds.FileChangedDuringSend)
            {
                StageProgress(file);
                _observer.Warning($"'{file.RelativePath}' changed while it was being sent; its latest content is sent once it stops changing.");
                _settle.Observe(file.RelativePath, null, DateTime.UtcNow);
                return;
            }
            if (known?.ErrorId == ErrorIds.FileNotFound)
            {
                _unsaved[file.RelativePath] = (file.PlannedRecord ?? file.Previous)?.AsFailed("The file was deleted before it was sent completely.")
                    ?? UploadRecord.FailedBeforeSending(_options.Topic, file.RelativePath, new FileState(0, DateTime.MinValue), "The file was deleted before it was sent.", null);
                _observer.Warning($"'{file.RelativePath}' was deleted before it was sent completely.");
                return;
            }
            StageProgress(file);
            string message = known?.Message ?? error.Message;
            // The record of this send when it got as far as hashing; otherwise the previous version's
            // record, so its generation and hash are kept.
            UploadRecord failed = UploadRecord.FailedBeforeSending(_options.Topic, file.RelativePath,
                Stat(file.RelativePath) ?? new FileState(0, DateTime.MinValue), message, Lookup(file.RelativePath));
            _unsaved[file.RelativePath] = failed;
            TimeSpan delay = TimeSpan.FromSeconds(Math.Min(MaxRetryDelay.TotalSeconds, 10 * Math.Pow(2, Math.Min(failed.Attempts - 1, 10))));
            _retryAt[file.RelativePath] = DateTime.UtcNow + delay;
            _errors++;
            _observer.Error(new OpenMsiStreamException(known?.Id ?? ErrorIds.DeliveryFailed,
                $"{message} '{file.RelativePath}' is tried again in {delay.TotalSeconds:0} s.", error, file.RelativePath));
        }

        private void ReportUnreadable(string relativePath, Exception problem, int failures)
        {
            if (failures == 3 || failures % 30 == 0)
            {
                _observer.Warning($"'{relativePath}' cannot be opened for reading yet ({problem.Message}); still trying (attempt {failures}).");
            }
            if (failures == 3)
            {
                // Visible in Get-MsiUploadState while it lasts; the settle tracker keeps trying.
                _unsaved[relativePath] = UploadRecord.FailedBeforeSending(_options.Topic, relativePath, Stat(relativePath) ?? new FileState(0, DateTime.MinValue),
                    $"Cannot be opened for reading: {problem.Message}", Lookup(relativePath));
            }
        }

        /// <summary>Copies a file's acknowledgements into the next registry save.</summary>
        private void StageProgress(InFlightFile file)
        {
            UploadRecord? progress = file.TakeProgress();
            if (progress != null)
            {
                _unsaved[file.RelativePath] = progress;
            }
        }

        private void Save()
        {
            foreach (InFlightFile file in _inFlight.Values)
            {
                StageProgress(file);
            }
            if (_unsaved.Count == 0)
            {
                return;
            }
            _registry.Save(_unsaved.Values.ToList());
            _unsaved.Clear();
            foreach (SentFile sent in _sentUnsaved)
            {
                Notify(() => _observer.File(sent));
            }
            _sentUnsaved.Clear();
        }

        private UploadRecord? Lookup(string relativePath) =>
            _unsaved.TryGetValue(relativePath, out UploadRecord? pending) ? pending : _registry.Find(relativePath);

        private FileState? Stat(string relativePath)
        {
            var info = new FileInfo(_scanner.FullPathOf(relativePath));
            return info.Exists ? new FileState(info.Length, info.LastWriteTimeUtc) : (FileState?)null;
        }

        private void ReportProgress()
        {
            long bytes = Interlocked.Read(ref _bytesQueued);
            _observer.Progress(new UploadProgress(_filesSent, bytes, _inFlight.Count, _settle.Count + _ready.Count, _rate.Update(bytes), _sender.QueuedChunks));
        }

        private readonly struct PendingSend
        {
            public PendingSend(string relativePath, FileState state, ResumePoint? resume)
            {
                RelativePath = relativePath;
                State = state;
                Resume = resume;
            }

            public string RelativePath { get; }

            /// <summary>Size and mtime when it was found settled (or, to resume, as recorded).</summary>
            public FileState State { get; }

            public ResumePoint? Resume { get; }
        }
    }
}
