using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;
using System.Threading.Tasks;
using OpenMsiStream.PowerShell.Tests.Support;
using OpenMsiStream.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace OpenMsiStream.PowerShell.Tests
{
    /// <summary>
    /// Runs every tutorial in docs/tutorials as a reader would: its PowerShell blocks in one session
    /// with the module, its shell blocks with the `openmsistream` command, second terminals left running,
    /// in a fresh folder laid out like the repository. A tutorial whose commands stop working fails here.
    /// </summary>
    [Collection(ModuleCollection.Name)]
    public sealed class TutorialTests : IDisposable
    {
        private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);
        private readonly ModuleFixture _module;
        private readonly ITestOutputHelper _output;
        private readonly TempDirectory _temp = new TempDirectory("tutorial");
        private readonly List<Process> _background = new List<Process>();
        private readonly string? _previousServiceRoot = Environment.GetEnvironmentVariable("OPENMSISTREAM_SERVICE_ROOT");
        private readonly string? _previousCli = Environment.GetEnvironmentVariable("OPENMSISTREAM_CLI");
        private readonly string? _previousModulePath = Environment.GetEnvironmentVariable("PSModulePath");
        private readonly string? _previousHome = Environment.GetEnvironmentVariable("OPENMSISTREAM_HOME");

        /// <summary>
        /// What each tutorial promises its reader, checked after it ran: PowerShell variables with a count
        /// of objects (and the property every one of them must have), and folders with a count of files.
        /// A tutorial that "passes" with nothing processed is a failure (one did, with a processor record
        /// left in the user's profile by an earlier run).
        /// </summary>
        private static readonly Dictionary<string, (string Check, int Count)[]> Promises = new Dictionary<string, (string, int)[]>(StringComparer.Ordinal)
        {
            ["01-first-files.md"] = new[] { ("$sent", 2), ("$received", 2), ("dir:received", 2) },
            ["02-watch-and-rebuild.md"] = new[] { ("dir:rebuilt", 2) },
            ["03-backup-to-s3.md"] = new[] { ("lines:transfer.log:^uploaded ", 2) },
            ["04-xrd-metadata.md"] = new[] { ("$processed | Where-Object { $_.Status -eq 'Processed' -and $_.ResultsProduced -eq 1 }", 2) },
            ["05-plot-every-file.md"] = new[] { ("dir:plots", 2), ("$plots | Where-Object Status -eq 'Processed'", 2), ("dir:plots-ps", 2) },
            ["06-run-as-a-service.md"] = new[] { ("dir:rebuilt", 1) },
        };

        public TutorialTests(ModuleFixture module, ITestOutputHelper output)
        {
            _module = module;
            _output = output;
        }

        public static TheoryData<string> Tutorials()
        {
            var data = new TheoryData<string>();
            foreach (string file in Directory.GetFiles(Path.Combine(ModuleFixture.RepoRoot, "docs", "tutorials"), "*.md").Select(Path.GetFileName).OrderBy(f => f, StringComparer.Ordinal)!)
            {
                if (file != "README.md")
                {
                    data.Add(file!);
                }
            }
            return data;
        }

        [Fact]
        public void EveryTutorialOfTheIssueIsThere() =>
            Assert.Equal(6, Tutorials().Cast<object[]>().Count());

        [Fact]
        public void EveryTutorialHasItsPromisesChecked() =>
            Assert.Equal(Tutorials().Cast<object[]>().Select(t => (string)t[0]).OrderBy(t => t, StringComparer.Ordinal), Promises.Keys.OrderBy(t => t, StringComparer.Ordinal));

        /// <summary>
        /// A tutorial with shell steps also shows them for Windows, in ```powershell-windows blocks. This
        /// machine cannot run them, but they must at least be PowerShell that parses.
        /// </summary>
        [Theory]
        [MemberData(nameof(Tutorials))]
        public void WindowsEquivalentsAreThereAndParse(string tutorial)
        {
            string markdown = Path.Combine(ModuleFixture.RepoRoot, "docs", "tutorials", tutorial);
            IReadOnlyList<TutorialStep> windows = Tutorial.WindowsSteps(markdown);
            if (Tutorial.Steps(markdown).Any(s => s.Kind == TutorialStepKind.Shell))
            {
                Assert.True(windows.Count > 0, $"{tutorial} has shell steps but no {Tutorial.WindowsPowerShell} block");
            }
            foreach (TutorialStep step in windows)
            {
                System.Management.Automation.Language.Parser.ParseInput(step.Code, out _, out System.Management.Automation.Language.ParseError[] errors);
                Assert.True(errors.Length == 0, $"{tutorial} line {step.Line}: " + string.Join("; ", errors.Select(e => e.Message)));
            }
        }

        [Theory]
        [MemberData(nameof(Tutorials))]
        public async Task TutorialRunsAsWritten(string tutorial)
        {
            string markdown = Path.Combine(ModuleFixture.RepoRoot, "docs", "tutorials", tutorial);
            IReadOnlyList<TutorialStep> steps = Tutorial.Steps(markdown);
            Assert.NotEmpty(steps);
            string root = LayOutWorkingFolder();
            var environment = new Dictionary<string, string?>
            {
                ["PATH"] = Path.Combine(root, ".bin") + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
                // Services go to a staged root (systemctl --root), never to this machine's systemd.
                ["OPENMSISTREAM_SERVICE_ROOT"] = Path.Combine(root, ".service-root"),
                ["OPENMSISTREAM_CLI"] = ModuleFixture.CliApphost,
                // A home of its own: no processor record, upload registry or log of an earlier run (or of
                // the user) can change what the tutorial does.
                ["OPENMSISTREAM_HOME"] = Path.Combine(root, ".home"),
            };
            Environment.SetEnvironmentVariable("OPENMSISTREAM_HOME", environment["OPENMSISTREAM_HOME"]); // the PowerShell blocks run in this process
            Directory.CreateDirectory(environment["OPENMSISTREAM_SERVICE_ROOT"]!);
            Environment.SetEnvironmentVariable("OPENMSISTREAM_SERVICE_ROOT", environment["OPENMSISTREAM_SERVICE_ROOT"]);
            Environment.SetEnvironmentVariable("OPENMSISTREAM_CLI", ModuleFixture.CliApphost); // Register-MsiService in the PowerShell blocks
            using S3Server? s3 = File.ReadAllText(markdown).Contains("s3-transfer", StringComparison.Ordinal) || File.ReadAllText(markdown).Contains("Start-MsiS3Transfer", StringComparison.Ordinal)
                ? new S3Server("lab-archive") : null;
            if (s3 != null)
            {
                // The tutorial reads its S3 settings from these variables, as it tells readers to set them.
                environment["S3_ENDPOINT_URL"] = s3.Endpoint;
                environment["S3_ACCESS_KEY_ID"] = S3Server.AccessKeyId;
                environment["S3_SECRET_KEY_ID"] = S3Server.SecretAccessKey;
            }
            foreach (KeyValuePair<string, string?> variable in environment.Where(v => v.Key.StartsWith("S3_", StringComparison.Ordinal)))
            {
                Environment.SetEnvironmentVariable(variable.Key, variable.Value); // the PowerShell session reads them too
            }

            // A tutorial starts its own embedded broker; the module's shared one would be in the way.
            _module.Invoke("if (Get-MsiLocalBroker) { Stop-MsiLocalBroker }");
            using Runspace runspace = _module.OpenRunspace(_module.Host);
            runspace.SessionStateProxy.Path.SetLocation(root);
            // As docs/tutorials/README.md tells readers: the built module on the module path.
            RunPowerShell(runspace, $"$env:PSModulePath = '{Path.Combine(ModuleFixture.RepoRoot, "out")}' + [IO.Path]::PathSeparator + $env:PSModulePath", "setup");
            try
            {
                foreach (TutorialStep step in steps)
                {
                    string where = $"{tutorial} line {step.Line}";
                    switch (step.Kind)
                    {
                        case TutorialStepKind.PowerShell:
                            RunPowerShell(runspace, step.Code, where);
                            break;
                        case TutorialStepKind.Shell:
                            await RunShellAsync(root, environment, step.Code, where);
                            break;
                        default:
                            await StartShellAsync(root, environment, step.Code, where);
                            break;
                    }
                }
                CheckPromises(tutorial, runspace, root);
            }
            finally
            {
                using (var ps = System.Management.Automation.PowerShell.Create())
                {
                    ps.Runspace = runspace;
                    ps.AddScript("if (Get-MsiLocalBroker) { Stop-MsiLocalBroker }").Invoke();
                }
                StopBackground();
                _module.EnsureBrokerRunning();
            }
        }

        private void CheckPromises(string tutorial, Runspace runspace, string root)
        {
            foreach ((string check, int count) in Promises[tutorial])
            {
                int actual;
                if (check.StartsWith("dir:", StringComparison.Ordinal))
                {
                    string folder = Path.Combine(root, check.Substring(4));
                    actual = Directory.Exists(folder)
                        ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Count(f => !Path.GetRelativePath(folder, f).StartsWith(".", StringComparison.Ordinal))
                        : 0;
                }
                else if (check.StartsWith("lines:", StringComparison.Ordinal))
                {
                    string[] parts = check.Split(':', 3);
                    string file = Path.Combine(root, parts[1]);
                    actual = File.Exists(file) ? File.ReadAllLines(file).Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, parts[2])) : 0;
                }
                else
                {
                    using var ps = System.Management.Automation.PowerShell.Create();
                    ps.Runspace = runspace;
                    actual = (int)ps.AddScript($"@({check}).Count").Invoke().Single().BaseObject;
                }
                Assert.True(actual == count, $"{tutorial} promises {count} for {check}, got {actual}");
            }
        }

        /// <summary>A folder like the repository root: the tutorial data, the examples, the built module and tools.</summary>
        private string LayOutWorkingFolder()
        {
            string root = _temp.Combine("repo");
            CopyDirectory(Path.Combine(ModuleFixture.RepoRoot, "docs", "tutorials", "data"), Path.Combine(root, "docs", "tutorials", "data"));
            foreach (string shared in new[] { "examples", "out", Path.Combine("tests", "s3server") })
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, shared))!);
                Directory.CreateSymbolicLink(Path.Combine(root, shared), Path.Combine(ModuleFixture.RepoRoot, shared));
            }
            Directory.CreateDirectory(Path.Combine(root, ".bin"));
            File.CreateSymbolicLink(Path.Combine(root, ".bin", "openmsistream"), ModuleFixture.CliApphost);
            return root;
        }

        private void RunPowerShell(Runspace runspace, string code, string where)
        {
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = runspace;
            Collection<PSObject> output;
            try
            {
                output = ps.AddScript(code).Invoke();
            }
            catch (RuntimeException ex)
            {
                throw new Xunit.Sdk.XunitException($"{where}: {ex.ErrorRecord?.FullyQualifiedErrorId}: {ex.Message}");
            }
            foreach (PSObject item in output)
            {
                _output.WriteLine($"{where}> {item}");
            }
            Assert.True(ps.Streams.Error.Count == 0, $"{where}: " + string.Join(Environment.NewLine, ps.Streams.Error.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        }

        private async Task RunShellAsync(string root, IReadOnlyDictionary<string, string?> environment, string code, string where)
        {
            using Process process = StartBash(root, environment, code, out StringBuilder log);
            Task exited = process.WaitForExitAsync();
            if (await Task.WhenAny(exited, Task.Delay(StepTimeout)) != exited)
            {
                Kill(process);
                throw new Xunit.Sdk.XunitException($"{where}: still running after {StepTimeout.TotalMinutes} min:\n{Text(log)}");
            }
            await exited;
            _output.WriteLine($"{where}:\n{Text(log)}");
            Assert.True(process.ExitCode == 0, $"{where}: exit code {process.ExitCode}:\n{Text(log)}");
        }

        /// <summary>A second terminal: started, and the tutorial goes on once it has said something.</summary>
        private async Task StartShellAsync(string root, IReadOnlyDictionary<string, string?> environment, string code, string where)
        {
            Process process = StartBash(root, environment, code, out StringBuilder log);
            _background.Add(process);
            DateTime deadline = DateTime.UtcNow.AddSeconds(60);
            while (Text(log).Length == 0 && !process.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            await Task.Delay(1000);
            Assert.False(process.HasExited, $"{where}: the command should keep running but exited with {(process.HasExited ? process.ExitCode : 0)}:\n{Text(log)}");
        }

        private static Process StartBash(string root, IReadOnlyDictionary<string, string?> environment, string code, out StringBuilder log)
        {
            // setsid: its own process group, so that stopping it stops what it started.
            var start = new ProcessStartInfo("setsid") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in new[] { "bash", "-euo", "pipefail", "-c", code })
            {
                start.ArgumentList.Add(argument);
            }
            foreach (KeyValuePair<string, string?> variable in environment)
            {
                start.Environment[variable.Key] = variable.Value;
            }
            var process = new Process { StartInfo = start };
            var buffer = new StringBuilder();
            process.OutputDataReceived += (_, e) => Append(buffer, e.Data);
            process.ErrorDataReceived += (_, e) => Append(buffer, e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            log = buffer;
            return process;
        }

        private static void Append(StringBuilder buffer, string? line)
        {
            if (line != null)
            {
                lock (buffer)
                {
                    buffer.AppendLine(line);
                }
            }
        }

        private static string Text(StringBuilder buffer)
        {
            lock (buffer)
            {
                return buffer.ToString();
            }
        }

        private void StopBackground()
        {
            foreach (Process process in _background)
            {
                if (!process.HasExited)
                {
                    using (Process kill = Process.Start("kill", new[] { "-TERM", "--", "-" + process.Id })!)
                    {
                        kill.WaitForExit();
                    }
                    if (!process.WaitForExit(30_000))
                    {
                        Kill(process);
                    }
                }
                process.Dispose();
            }
            _background.Clear();
        }

        private static void Kill(Process process)
        {
            using (Process kill = Process.Start("kill", new[] { "-KILL", "--", "-" + process.Id })!)
            {
                kill.WaitForExit();
            }
        }

        private static void CopyDirectory(string from, string to)
        {
            Directory.CreateDirectory(to);
            foreach (string file in Directory.GetFiles(from))
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }
            foreach (string directory in Directory.GetDirectories(from))
            {
                CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
            }
        }

        public void Dispose()
        {
            StopBackground();
            Environment.SetEnvironmentVariable("OPENMSISTREAM_SERVICE_ROOT", _previousServiceRoot);
            Environment.SetEnvironmentVariable("OPENMSISTREAM_CLI", _previousCli);
            Environment.SetEnvironmentVariable("PSModulePath", _previousModulePath);
            Environment.SetEnvironmentVariable("OPENMSISTREAM_HOME", _previousHome);
            foreach (string variable in new[] { "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_KEY_ID" })
            {
                Environment.SetEnvironmentVariable(variable, null);
            }
            _temp.Dispose();
        }
    }
}
