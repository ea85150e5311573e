using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Threading.Tasks;

namespace OpenMsiStream.Platforms.Tests.Support
{
    /// <summary>A program run by the tests (wine, mono, a self-contained executable), its output collected.</summary>
    public sealed class ChildProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stdout = new StringBuilder();
        private readonly StringBuilder _stderr = new StringBuilder();

        private ChildProcess(Process process) => _process = process;

        public int Id => _process.Id;

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

        public string Output => $"stdout:\n{Stdout}\nstderr:\n{Stderr}";

        public int ExitCode => _process.ExitCode;

        public bool HasExited => _process.HasExited;

        /// <summary>Starts <paramref name="program"/>; <paramref name="environment"/> adds variables, and null values remove them.</summary>
        public static ChildProcess Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, bool clearEnvironment = false, string? workingDirectory = null)
        {
            var start = new ProcessStartInfo(program)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            if (workingDirectory != null)
            {
                start.WorkingDirectory = workingDirectory;
            }
            if (clearEnvironment)
            {
                start.Environment.Clear();
            }
            foreach (KeyValuePair<string, string?> variable in environment ?? new Dictionary<string, string?>())
            {
                if (variable.Value == null)
                {
                    start.Environment.Remove(variable.Key);
                }
                else
                {
                    start.Environment[variable.Key] = variable.Value;
                }
            }
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            var child = new ChildProcess(new Process { StartInfo = start });
            child._process.OutputDataReceived += (_, e) => Append(child._stdout, e.Data);
            child._process.ErrorDataReceived += (_, e) => Append(child._stderr, e.Data);
            child._process.Start();
            child._process.StandardInput.Close();
            child._process.BeginOutputReadLine();
            child._process.BeginErrorReadLine();
            return child;
        }

        public async Task WaitAsync(TimeSpan timeout)
        {
            Task exited = _process.WaitForExitAsync();
            if (await Task.WhenAny(exited, Task.Delay(timeout)) != exited)
            {
                Kill();
                throw new TimeoutException($"'{_process.StartInfo.FileName}' did not finish within {timeout}.\n{Output}");
            }
            await exited; // flushes the redirected streams
        }

        /// <summary>Waits until <paramref name="condition"/> holds, failing with the output if it does not in time or the program exits.</summary>
        public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            while (!condition())
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Timed out waiting for {what}.\n{Output}");
                }
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"'{_process.StartInfo.FileName}' exited ({_process.ExitCode}) while waiting for {what}.\n{Output}");
                }
                await Task.Delay(100);
            }
        }

        /// <summary>SIGKILL: for a Windows program under Wine its process dies at once, as with TerminateProcess.</summary>
        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }

        public void Dispose()
        {
            Kill();
            _process.Dispose();
        }

        private static void Append(StringBuilder buffer, string? line)
        {
            if (line == null)
            {
                return;
            }
            lock (buffer)
            {
                buffer.Append(line).Append('\n');
            }
        }
    }
}
