using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;

namespace OpenMsiStream.Bench.Support
{
    /// <summary>
    /// One openmsistream process: output captured line by line, and its peak resident memory (VmHWM)
    /// sampled from /proc while it runs, since .NET does not report a child's peak after it exits.
    /// </summary>
    internal sealed class ChildProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stdout = new StringBuilder();
        private readonly StringBuilder _stderr = new StringBuilder();
        private readonly Thread _sampler;
        private long _peakRssBytes;
        private long _cpuTicks;
        private long _systemCpuTicks;
        private int _stdoutLines;
        private readonly Stopwatch _sinceStart = Stopwatch.StartNew();
        private long _firstStdoutTicks = -1;
        private long _lastStdoutTicks = -1;

        private ChildProcess(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data != null)
                {
                    lock (_stdout)
                    {
                        _stdout.AppendLine(e.Data);
                        _stdoutLines++;
                        _lastStdoutTicks = _sinceStart.Elapsed.Ticks;
                        if (_firstStdoutTicks < 0)
                        {
                            _firstStdoutTicks = _lastStdoutTicks;
                        }
                    }
                }
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data != null)
                {
                    lock (_stderr)
                    {
                        _stderr.AppendLine(e.Data);
                    }
                }
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            _sampler = new Thread(SamplePeakRss) { IsBackground = true };
            _sampler.Start();
        }

        public static ChildProcess Start(string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
        {
            var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            foreach (KeyValuePair<string, string> variable in environment ?? new Dictionary<string, string>())
            {
                start.Environment[variable.Key] = variable.Value;
            }
            return new ChildProcess(Process.Start(start)!);
        }

        public int ExitCode => _process.ExitCode;

        public bool HasExited => _process.HasExited;

        public long PeakRssBytes => Interlocked.Read(ref _peakRssBytes);

        /// <summary>CPU time (user + system, all threads) the process used, as last sampled; Linux clock ticks are 10 ms.</summary>
        public TimeSpan CpuTime => TimeSpan.FromMilliseconds(Interlocked.Read(ref _cpuTicks) * 10);

        /// <summary>
        /// The kernel's part of <see cref="CpuTime"/>. Shown apart because it swings with the disk's state
        /// (creating a file on this unjournaled ext4 costs several times more kernel time for a while after
        /// many deletions), while user time measures our own code.
        /// </summary>
        public TimeSpan SystemCpuTime => TimeSpan.FromMilliseconds(Interlocked.Read(ref _systemCpuTicks) * 10);

        public int Id => _process.Id;

        /// <summary>When the process printed its last line to stdout, since it started (the receiver prints a line per file it has made durable).</summary>
        public TimeSpan? LastStdoutLine
        {
            get
            {
                lock (_stdout)
                {
                    return _lastStdoutTicks < 0 ? (TimeSpan?)null : TimeSpan.FromTicks(_lastStdoutTicks);
                }
            }
        }

        /// <summary>When the process printed its first line to stdout, since it started.</summary>
        public TimeSpan? FirstStdoutLine
        {
            get
            {
                lock (_stdout)
                {
                    return _firstStdoutTicks < 0 ? (TimeSpan?)null : TimeSpan.FromTicks(_firstStdoutTicks);
                }
            }
        }

        /// <summary>Time since the process was started.</summary>
        public TimeSpan SinceStart => _sinceStart.Elapsed;

        public int StdoutLines
        {
            get
            {
                lock (_stdout)
                {
                    return _stdoutLines;
                }
            }
        }

        public string Stderr
        {
            get
            {
                lock (_stderr)
                {
                    return _stderr.ToString();
                }
            }
        }

        public string Stdout
        {
            get
            {
                lock (_stdout)
                {
                    return _stdout.ToString();
                }
            }
        }

        public void WaitForExit(TimeSpan timeout, string what)
        {
            if (!_process.WaitForExit(timeout))
            {
                _process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{what} did not finish within {timeout.TotalSeconds:0} s.\nstderr:\n{Tail(Stderr)}");
            }
            _process.WaitForExit(); // flushes the redirected output
            _sampler.Join(TimeSpan.FromSeconds(1)); // its last sample
        }

        public void WaitForStderr(string text, TimeSpan timeout, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!Stderr.Contains(text, StringComparison.Ordinal))
            {
                if (_process.HasExited || clock.Elapsed > timeout)
                {
                    throw new InvalidOperationException($"{what} did not get ready.\nstderr:\n{Tail(Stderr)}");
                }
                Thread.Sleep(20);
            }
        }

        /// <summary>SIGTERM: the graceful stop every long-running command honours.</summary>
        public void Terminate()
        {
            if (!_process.HasExited)
            {
                using Process kill = Process.Start("kill", new[] { "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture) })!;
                kill.WaitForExit();
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
            _process.Dispose();
        }

        public static string Tail(string text, int lines = 20)
        {
            string[] all = text.Split('\n');
            return string.Join("\n", all[Math.Max(0, all.Length - lines)..]);
        }

        /// <summary>
        /// Samples VmHWM and the CPU time (utime + stime of all threads, from /proc/&lt;pid&gt;/stat) every 20 ms
        /// until the process is gone. The last sample misses at most the last 20 ms of the process's life.
        /// </summary>
        private void SamplePeakRss()
        {
            string status = $"/proc/{_process.Id}/status";
            string stat = $"/proc/{_process.Id}/stat";
            while (true)
            {
                try
                {
                    foreach (string line in File.ReadLines(status))
                    {
                        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                        {
                            long kib = long.Parse(line.Substring(6).Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                            Interlocked.Exchange(ref _peakRssBytes, Math.Max(_peakRssBytes, kib * 1024));
                        }
                    }
                    // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
                    string text = File.ReadAllText(stat);
                    string[] fields = text.Substring(text.LastIndexOf(')') + 2).Split(' ');
                    long systemTicks = long.Parse(fields[12], CultureInfo.InvariantCulture);
                    long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + systemTicks;
                    if (ticks > 0)
                    {
                        Interlocked.Exchange(ref _cpuTicks, Math.Max(Interlocked.Read(ref _cpuTicks), ticks));
                        Interlocked.Exchange(ref _systemCpuTicks, Math.Max(Interlocked.Read(ref _systemCpuTicks), systemTicks));
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is FormatException || ex is IndexOutOfRangeException || ex is ArgumentOutOfRangeException)
                {
                    return; // the process is gone
                }
                Thread.Sleep(20);
            }
        }
    }
}
