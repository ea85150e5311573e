using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using OpenMsiStream.Soak.Checking;
using OpenMsiStream.Soak.Faults;
using OpenMsiStream.Soak.Programs;
using OpenMsiStream.Soak.Reporting;
using OpenMsiStream.Soak.Writing;
using OpenMsiStream.Tests.Common;

namespace OpenMsiStream.Soak
{
    /// <summary>
    /// One soak: a Kafka 0.9 broker; upload-directory and download-directory as processes with a fixed
    /// state directory and consumer group; the writer changing the watched directory; SIGKILLs of both
    /// programs and of the broker; torn-file samples of the output; then a quiet end and the byte-for-byte
    /// comparison against every state the writer produced.
    /// </summary>
    internal sealed class SoakRun
    {
        private const string Topic = "soak";
        private readonly SoakOptions _options;
        private readonly string _results;
        private readonly StreamWriter _timeline;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<Exception> _failures = new List<Exception>();
        private readonly CancellationTokenSource _abort = new CancellationTokenSource();

        public SoakRun(SoakOptions options, string results)
        {
            _options = options;
            _results = results;
            Directory.CreateDirectory(results);
            _timeline = new StreamWriter(Path.Combine(results, "timeline.log"), append: true, new UTF8Encoding(false)) { AutoFlush = true };
        }

        /// <summary>Ctrl+C: stop at once, clean up, report nothing.</summary>
        public void Abort() => _abort.Cancel();

        /// <summary>Runs the soak; returns its report, or throws when the harness itself failed.</summary>
        public SoakReport Execute()
        {
            var random = new Random(_options.Seed);
            string work = Path.Combine(Path.GetTempPath(), "openmsistream-soak-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            string source = Path.Combine(work, "source"), output = Path.Combine(work, "output"), state = Path.Combine(work, "state"), home = Path.Combine(work, "home");
            foreach (string directory in new[] { source, output, state, home })
            {
                Directory.CreateDirectory(directory);
            }
            var report = new SoakReport(_options, _results, BuildIdentity());
            Log($"soak {report.Build}; results in {_results}; work in {work}");

            Kafka09Broker? broker = null;
            SupervisedProgram? uploader = null, downloader = null;
            try
            {
                broker = Kafka09Broker.Start(_options.Partitions);
                report.BrokerStartup = broker.StartupTime;
                Log($"Kafka 0.9.0.1 on {broker.BootstrapServers} after {broker.StartupTime.TotalSeconds:0.0} s");
                string config = Path.Combine(work, "kafka09.config");
                // Test-only client settings: the old-broker ones, and a short session so that a killed
                // consumer's partitions go to its successor within seconds.
                broker.WriteConfigFile(config, "[consumer]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 1000\n");
                File.Copy(config, Path.Combine(_results, "kafka09.config"), overwrite: true);

                var environment = new Dictionary<string, string?> { ["OPENMSISTREAM_HOME"] = home, ["HOME"] = home, ["XDG_DATA_HOME"] = home };
                string executable = CliExecutable.Find();
                report.Executable = executable;
                uploader = new SupervisedProgram("upload-directory", executable, new[]
                {
                    "upload-directory", source, "--topic", Topic, "--config", config, "--state-directory", state,
                    "--settle-time", _options.SettleTime.ToString(CultureInfo.InvariantCulture), "--chunk-size", _options.ChunkSize.ToString(CultureInfo.InvariantCulture),
                }, environment, work, _results);
                downloader = new SupervisedProgram("download-directory", executable, new[]
                {
                    "download-directory", output, "--topic", Topic, "--config", config, "--group-id", "soak-archive",
                }, environment, work, _results);
                downloader.Start();
                uploader.Start();
                WaitForWatching(uploader);
                report.FirstWatching = _clock.Elapsed;
                Log("upload-directory is watching: writing, killing and sampling start");

                var ledger = new StateLedger();
                var writer = new SourceWriter(source, Path.Combine(work, "scratch"), ledger, new WriterOptions(_options.Paths, _options.HotPaths, _options.MaxFileSize, _options.ChunkSize, _options.SettleTime, _options.MinPause, _options.MaxPause, 300_000_000), random);
                var sampler = new TornSampler(output, ledger, TimeSpan.FromSeconds(_options.SampleInterval));
                using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
                using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
                var writerSeed = random.Next();
                var hotSeed = random.Next();
                Thread writing = Background("writer", () => writer.Run(new Random(writerSeed), stopWriting.Token));
                Thread hot = Background("one-chunk writer", () => writer.RunHot(new Random(hotSeed), stopWriting.Token));
                sampler.Start(stopSampling.Token);

                var outages = new BrokerOutages(broker, Log);
                TimeSpan plannedRun = TimeSpan.FromSeconds(_options.Kills * (_options.MinKillInterval + _options.MaxKillInterval) / 2);
                int outageSeed = random.Next();
                Thread outaging = Background("broker outages", () => outages.Run(_options.BrokerOutages, plannedRun, _options.MinOutage, _options.MaxOutage, new Random(outageSeed), _abort.Token));
                var killer = new ProgramKiller(new[] { uploader, downloader }, _options.MinKillInterval, _options.MaxKillInterval, Log);
                TimeSpan chaosStart = _clock.Elapsed;
                killer.Run(_options.Kills, () => outages.Finished, random, _abort.Token);
                outaging.Join();
                report.ChaosPhase = _clock.Elapsed - chaosStart;

                stopWriting.Cancel();
                writing.Join();
                hot.Join();
                ThrowIfFailed();
                Log($"writing stopped: {ledger.Paths.Count} paths, {ledger.Paths.Sum(p => p.States.Count)} states; waiting for the output to settle");

                TimeSpan settleStart = _clock.Elapsed;
                report.SettledCompletely = WaitForOutput(ledger, sampler, uploader, downloader, out string settleEnd);
                report.FinalSettle = _clock.Elapsed - settleStart;
                report.SettleEnd = settleEnd;
                Log($"final settle: {settleEnd} after {report.FinalSettle.TotalSeconds:0} s");

                uploader.Stop(TimeSpan.FromSeconds(60));
                downloader.Stop(TimeSpan.FromSeconds(60));
                stopSampling.Cancel();
                sampler.Join();
                Dictionary<string, string> finalOutput = sampler.SampleOnce();

                List<CliFileLine> sent = CliLines.Parse(uploader.TimedStdoutLines(), "sent");
                List<CliFileLine> received = CliLines.Parse(downloader.TimedStdoutLines(), "received");
                NoteUnknownContent(ledger, received, sampler, TornSampler.ReceivedSource);
                NoteUnknownContent(ledger, sent, sampler, TornSampler.SentSource);
                FinalComparison comparison = FinalComparison.Compare(ledger, finalOutput, sent, received, AbandonedMidSend(uploader), _options.ChunkSize);

                report.Uploader = ProgramFigures.Of(uploader);
                report.Downloader = ProgramFigures.Of(downloader);
                report.Outages = outages.Done;
                report.Ledger = ledger;
                report.WriterOperations = writer.Operations;
                report.MtimeBumps = writer.MtimeBumps;
                report.Sampler = sampler;
                report.Comparison = comparison;
                report.Total = _clock.Elapsed;

                ledger.WriteTsv(Path.Combine(_results, "writer-states.tsv"));
                broker.CopyLogsTo(Path.Combine(_results, "broker"));
                CopyProgramLogs(home);
                ThrowIfFailed();
                return report;
            }
            finally
            {
                uploader?.Dispose();
                downloader?.Dispose();
                broker?.Dispose();
                if (!_options.KeepData)
                {
                    DeleteQuietly(work);
                }
                else
                {
                    Log($"kept the source, output and state in {work}");
                }
            }
        }

        /// <summary>
        /// Content a `received` line names that is no state of its path was delivered as verified even if
        /// no sample saw it before it was replaced; a `sent` line naming such content is a torn read the
        /// uploader sent as a valid version (a receiver may still skip it). Torn too.
        /// </summary>
        private static void NoteUnknownContent(StateLedger ledger, List<CliFileLine> lines, TornSampler sampler, string source)
        {
            IReadOnlyList<PathHistory> paths = ledger.Paths;
            var cache = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (CliFileLine line in lines)
            {
                string? path = CliLines.Resolve(line.PrintedPath, paths, cache);
                if (path == null || ledger.IsKnownState(path, line.Sha512) != true)
                {
                    sampler.Note(path ?? line.PrintedPath, line.Sha512, -1, source, line.SeenUtc);
                }
            }
        }

        /// <summary>Per printed path, the uploader's "'PATH' changed while it was being sent" warnings.</summary>
        private static Dictionary<string, int> AbandonedMidSend(SupervisedProgram uploader)
        {
            var pattern = new System.Text.RegularExpressions.Regex("warning: '(.*)' changed while it was being sent", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (string line in uploader.StderrLines())
            {
                System.Text.RegularExpressions.Match match = pattern.Match(line);
                if (match.Success)
                {
                    counts[match.Groups[1].Value] = counts.GetValueOrDefault(match.Groups[1].Value) + 1;
                }
            }
            return counts;
        }

        /// <summary>Until every final state is in the output, or nothing happened for the quiet time, or the bound.</summary>
        private bool WaitForOutput(StateLedger ledger, TornSampler sampler, SupervisedProgram uploader, SupervisedProgram downloader, out string how)
        {
            var clock = Stopwatch.StartNew();
            TimeSpan lastChange = TimeSpan.Zero;
            string previous = "";
            while (true)
            {
                Dictionary<string, string> output = sampler.SampleOnce();
                int matching = ledger.Paths.Count(p => output.TryGetValue(p.RelativePath, out string? sha) && sha == p.Final.Sha512);
                if (matching == ledger.Paths.Count)
                {
                    how = $"all {matching} files identical";
                    return true;
                }
                string fingerprint = string.Join("|", output.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => o.Key + "=" + o.Value))
                    + "|" + new FileInfo(uploader.StdoutPath).Length + "|" + new FileInfo(downloader.StdoutPath).Length;
                if (fingerprint != previous)
                {
                    previous = fingerprint;
                    lastChange = clock.Elapsed;
                }
                if (clock.Elapsed - lastChange > TimeSpan.FromSeconds(_options.QuietTime))
                {
                    how = $"{matching} of {ledger.Paths.Count} identical; nothing changed for {_options.QuietTime:0} s";
                    return false;
                }
                if (clock.Elapsed > TimeSpan.FromSeconds(_options.SettleTimeout))
                {
                    how = $"{matching} of {ledger.Paths.Count} identical at the {_options.SettleTimeout:0} s bound";
                    return false;
                }
                if (_abort.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(2)))
                {
                    throw new OperationCanceledException();
                }
            }
        }

        private void WaitForWatching(SupervisedProgram uploader)
        {
            var clock = Stopwatch.StartNew();
            while (!uploader.StderrLines().Any(l => l.Contains("watching '", StringComparison.Ordinal)))
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(120))
                {
                    throw new TimeoutException($"upload-directory did not say 'watching' within 120 s; see {uploader.StderrPath}");
                }
                if (_abort.Token.WaitHandle.WaitOne(200))
                {
                    throw new OperationCanceledException();
                }
            }
        }

        private Thread Background(string name, Action body)
        {
            var thread = new Thread(() =>
            {
                try
                {
                    body();
                }
                catch (Exception ex)
                {
                    lock (_failures)
                    {
                        _failures.Add(new InvalidOperationException($"The soak's {name} failed: {ex.Message}", ex));
                    }
                    Log($"{name} failed: {ex}");
                    _abort.Cancel();
                }
            })
            { IsBackground = true, Name = name };
            thread.Start();
            return thread;
        }

        private void ThrowIfFailed()
        {
            lock (_failures)
            {
                if (_failures.Count > 0)
                {
                    throw new AggregateException(_failures);
                }
            }
            _abort.Token.ThrowIfCancellationRequested();
        }

        private void CopyProgramLogs(string home)
        {
            string logs = Path.Combine(home, "logs");
            if (Directory.Exists(logs))
            {
                string target = Path.Combine(_results, "program-logs");
                Directory.CreateDirectory(target);
                foreach (string file in Directory.EnumerateFiles(logs))
                {
                    File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
                }
            }
        }

        private void Log(string what)
        {
            string line = $"[{_clock.Elapsed:hh\\:mm\\:ss}] {what}";
            lock (_timeline)
            {
                _timeline.WriteLine(line);
            }
            Console.Error.WriteLine(line);
        }

        /// <summary>The commit the soak was built from, and whether tracked files differ from it.</summary>
        private static string BuildIdentity()
        {
            try
            {
                string commit = Git("rev-parse", "--short=12", "HEAD").Trim();
                bool dirty = Git("status", "--porcelain", "--untracked-files=no").Trim().Length > 0;
                return commit + (dirty ? " with uncommitted changes" : "");
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is System.ComponentModel.Win32Exception)
            {
                return "unknown commit";
            }
        }

        private static string Git(params string[] arguments)
        {
            var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoRoot.Path };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            using Process git = Process.Start(start)!;
            string text = git.StandardOutput.ReadToEnd();
            git.WaitForExit();
            return git.ExitCode == 0 ? text : throw new InvalidOperationException("git " + string.Join(" ", arguments) + " failed");
        }

        private static void DeleteQuietly(string directory)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"could not delete {directory}: {ex.Message}");
            }
        }
    }
}
