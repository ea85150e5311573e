using System;
using System.Diagnostics;
using System.Text;
using System.Threading.Tasks;

namespace OpenMsiStream.Tests.Support
{
    /// <summary>Runs `openmsistream` as a separate process, as a user or a script would.</summary>
    internal sealed class CliProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stdout = new StringBuilder();
        private readonly StringBuilder _stderr = new StringBuilder();

        private CliProcess(Process process) => _process = process;

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

        public static CliProcess Start(params string[] arguments) => StartWith(null, arguments);

        /// <summary>Starts the CLI with extra environment variables (null values remove a variable).</summary>
        public static CliProcess StartWith(System.Collections.Generic.IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            foreach (var variable in environment ?? new System.Collections.Generic.Dictionary<string, string?>())
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
            start.ArgumentList.Add(RepoPaths.CliAssembly);
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            var cli = new CliProcess(new Process { StartInfo = start });
            cli._process.OutputDataReceived += (_, e) => Append(cli._stdout, e.Data);
            cli._process.ErrorDataReceived += (_, e) => Append(cli._stderr, e.Data);
            cli._process.Start();
            cli._process.BeginOutputReadLine();
            cli._process.BeginErrorReadLine();
            return cli;
        }

        /// <summary>Runs to the end; returns the exit code.</summary>
        public static Task<CliProcess> RunAsync(TimeSpan timeout, params string[] arguments) => RunWithAsync(null, timeout, arguments);

        public static async Task<CliProcess> RunWithAsync(System.Collections.Generic.IReadOnlyDictionary<string, string?>? environment, TimeSpan timeout, params string[] arguments)
        {
            CliProcess cli = StartWith(environment, arguments);
            await cli.WaitAsync(timeout);
            return cli;
        }

        public int ExitCode => _process.ExitCode;

        public bool HasExited => _process.HasExited;

        public async Task WaitAsync(TimeSpan timeout)
        {
            Task exited = _process.WaitForExitAsync();
            if (await Task.WhenAny(exited, Task.Delay(timeout)) != exited)
            {
                _process.Kill(entireProcessTree: true);
                throw new TimeoutException($"openmsistream did not finish within {timeout}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
            }
            await exited; // flushes the redirected streams
        }

        /// <summary>kill -9: no chance to clean up, flush or save anything.</summary>
        public void KillHard()
        {
            _process.Kill();
            _process.WaitForExit();
        }

        /// <summary>Waits until <paramref name="condition"/> holds, failing with the output if it does not within <paramref name="timeout"/>.</summary>
        public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            while (!condition())
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Timed out waiting for {what}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
                }
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"openmsistream exited ({_process.ExitCode}) while waiting for {what}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
                }
                await Task.Delay(50);
            }
        }

        /// <summary>Sends SIGTERM, as a service manager or `kill` does.</summary>
        public void Terminate()
        {
            using Process kill = Process.Start("kill", new[] { "-TERM", _process.Id.ToString() })!;
            kill.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
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
