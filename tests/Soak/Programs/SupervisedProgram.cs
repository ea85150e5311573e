using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using OpenMsiStream.Tests.Common;

namespace OpenMsiStream.Soak.Programs
{
    /// <summary>
    /// One long-running openmsistream command (upload-directory or download-directory) as a real process,
    /// as a service manager runs it: SIGKILLed on demand and started again with the same arguments, and
    /// started again 2 s after it exits on its own. Its stdout and stderr of every run are appended to
    /// two files in the results directory, between marker lines saying when each run began and how it ended.
    /// </summary>
    internal sealed class SupervisedProgram : IDisposable
    {
        private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(2);
        private readonly object _gate = new object();
        private readonly string _executable;
        private readonly string[] _arguments;
        private readonly IReadOnlyDictionary<string, string?> _environment;
        private readonly string _workingDirectory;
        private readonly Dictionary<int, int> _exitCodes = new Dictionary<int, int>();
        private readonly Thread _monitor;
        private readonly Thread _follower;
        private readonly List<(DateTime SeenUtc, string Line)> _timedStdout = new List<(DateTime, string)>();
        private long _stdoutOffset;
        private ProcessGroup? _process;
        private DateTime _exitedAt;
        private bool _stopping;
        private bool _disposed;
        private int _runs;

        public SupervisedProgram(string name, string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string workingDirectory, string resultsDirectory)
        {
            Name = name;
            _executable = executable;
            _arguments = arguments.ToArray();
            _environment = environment;
            _workingDirectory = workingDirectory;
            StdoutPath = Path.Combine(resultsDirectory, name + ".stdout.log");
            StderrPath = Path.Combine(resultsDirectory, name + ".stderr.log");
            _monitor = new Thread(RestartWhenExited) { IsBackground = true, Name = name + " monitor" };
            _follower = new Thread(FollowStdout) { IsBackground = true, Name = name + " stdout follower" };
        }

        public string Name { get; }

        public string StdoutPath { get; }

        public string StderrPath { get; }

        /// <summary>SIGKILLs this supervisor sent to a running process.</summary>
        public int Kills { get; private set; }

        /// <summary>Runs that ended without being killed or asked to stop, by exit code.</summary>
        public IReadOnlyDictionary<int, int> ExitCodesOfOwnExits
        {
            get
            {
                lock (_gate)
                {
                    return new Dictionary<int, int>(_exitCodes);
                }
            }
        }

        public int Runs => _runs;

        /// <summary>The exit code of the final, SIGTERMed run (null before <see cref="Stop"/> or when it had to be killed).</summary>
        public int? FinalExitCode { get; private set; }

        public bool IsRunning
        {
            get
            {
                lock (_gate)
                {
                    return _process != null && !_process.HasExited;
                }
            }
        }

        public void Start()
        {
            lock (_gate)
            {
                StartLocked();
            }
            _monitor.Start();
            _follower.Start();
        }

        /// <summary>kill -9 of the running process (and anything it started); false when it was not running.</summary>
        public bool KillHard()
        {
            lock (_gate)
            {
                if (_process == null || _process.HasExited)
                {
                    return false;
                }
                _process.Kill();
                Kills++;
                Mark($"killed with SIGKILL (kill {Kills})");
                _process.Dispose();
                _process = null;
                return true;
            }
        }

        /// <summary>Starts it again after a kill (immediately: a service manager's restart).</summary>
        public void Restart()
        {
            lock (_gate)
            {
                if (_process == null && !_stopping)
                {
                    StartLocked();
                }
            }
        }

        /// <summary>SIGTERM, the graceful stop; waits up to <paramref name="timeout"/>, then SIGKILL.</summary>
        public void Stop(TimeSpan timeout)
        {
            ProcessGroup? process;
            lock (_gate)
            {
                _stopping = true;
                process = _process;
            }
            if (process == null)
            {
                return;
            }
            process.Terminate();
            if (process.WaitForExit(timeout))
            {
                FinalExitCode = process.ExitCode;
                Mark($"stopped with SIGTERM, exit code {process.ExitCode}");
            }
            else
            {
                Mark($"did not stop within {timeout.TotalSeconds:0} s of SIGTERM; killed");
            }
            lock (_gate)
            {
                process.Dispose();
                _process = null;
            }
        }

        /// <summary>
        /// The stdout lines of every run so far with the moment this supervisor first saw each (within a
        /// quarter second of its printing: the programs print no times of their own).
        /// </summary>
        public IReadOnlyList<(DateTime SeenUtc, string Line)> TimedStdoutLines()
        {
            ReadNewStdout();
            lock (_timedStdout)
            {
                return new List<(DateTime, string)>(_timedStdout);
            }
        }

        public IEnumerable<string> StderrLines() => ReadLines(StderrPath);

        public void Dispose()
        {
            lock (_gate)
            {
                _stopping = true;
                _disposed = true;
                _process?.Dispose();
                _process = null;
            }
        }

        private void FollowStdout()
        {
            while (!_disposed)
            {
                ReadNewStdout();
                Thread.Sleep(250);
            }
        }

        /// <summary>Complete lines appended to the stdout file since the last call.</summary>
        private void ReadNewStdout()
        {
            lock (_timedStdout)
            {
                if (!File.Exists(StdoutPath))
                {
                    return;
                }
                using var stream = new FileStream(StdoutPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                stream.Seek(_stdoutOffset, SeekOrigin.Begin);
                var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                byte[] bytes = buffer.ToArray();
                int end = Array.LastIndexOf(bytes, (byte)'\n');
                if (end < 0)
                {
                    return;
                }
                DateTime now = DateTime.UtcNow;
                foreach (string line in new UTF8Encoding(false).GetString(bytes, 0, end).Split('\n'))
                {
                    _timedStdout.Add((now, line));
                }
                _stdoutOffset += end + 1;
            }
        }

        private void StartLocked()
        {
            _runs++;
            Mark($"run {_runs} starting: {_executable} {string.Join(" ", _arguments.Select(Quote))}");
            _process = ProcessGroup.Start(_workingDirectory, StdoutPath, StderrPath, _environment, new[] { _executable }.Concat(_arguments).ToArray());
        }

        private void RestartWhenExited()
        {
            while (true)
            {
                Thread.Sleep(200);
                lock (_gate)
                {
                    if (_disposed || _stopping)
                    {
                        return;
                    }
                    if (_process != null && _process.HasExited)
                    {
                        int code = _process.ExitCode;
                        _exitCodes[code] = _exitCodes.TryGetValue(code, out int n) ? n + 1 : 1;
                        Mark($"exited on its own with code {code}; starting again in {RestartDelay.TotalSeconds:0} s");
                        _process.Dispose();
                        _process = null;
                        _exitedAt = DateTime.UtcNow;
                    }
                    else if (_process == null && _exitedAt != default && DateTime.UtcNow - _exitedAt >= RestartDelay)
                    {
                        _exitedAt = default;
                        StartLocked();
                    }
                }
            }
        }

        /// <summary>A marker line in both logs; the process is not writing to them at that moment, or they are appends of whole lines.</summary>
        private void Mark(string what)
        {
            string line = $"==== {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)} UTC {Name}: {what} ====\n";
            File.AppendAllText(StdoutPath, line, new UTF8Encoding(false));
            File.AppendAllText(StderrPath, line, new UTF8Encoding(false));
        }

        private static IEnumerable<string> ReadLines(string path)
        {
            if (!File.Exists(path))
            {
                return Array.Empty<string>();
            }
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, new UTF8Encoding(false));
            return reader.ReadToEnd().Split('\n');
        }

        private static string Quote(string argument) => argument.Any(c => char.IsWhiteSpace(c) || c == '\'' || c == '"') ? "'" + argument.Replace("'", "'\\''") + "'" : argument;
    }
}
