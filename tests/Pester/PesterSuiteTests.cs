using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading.Tasks;
using OpenMsiStream.Tests.Common;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace OpenMsiStream.Pester.Tests
{
    /// <summary>Where Pester's own output goes: printed by `dotnet test` as it comes (xunit diagnostic messages).</summary>
    public sealed class PesterConsole
    {
        private readonly IMessageSink _sink;

        public PesterConsole(IMessageSink sink) => _sink = sink;

        public void Line(string text) => _sink.OnMessage(new DiagnosticMessage(text));
    }

    /// <summary>The Pester suite against the laid-out module (out/OpenMsiStream).</summary>
    public sealed class PesterSuiteOnTheLaidOutModule : IClassFixture<PesterConsole>
    {
        private readonly PesterConsole _console;

        public PesterSuiteOnTheLaidOutModule(PesterConsole console) => _console = console;

        [Fact]
        public void ThePesterSuitePassesAgainstTheLaidOutModule() => PesterSuiteTests.RunPass("LaidOut", _console);
    }

    /// <summary>
    /// The Pester suite against the package installed with Install-PSResource. A class of its own, so
    /// that xunit runs the two passes side by side (they spend most of their time waiting for brokers,
    /// terminals and timeouts, not computing).
    /// </summary>
    public sealed class PesterSuiteOnTheInstalledPackage : IClassFixture<PesterConsole>
    {
        private readonly PesterConsole _console;

        public PesterSuiteOnTheInstalledPackage(PesterConsole console) => _console = console;

        [Fact]
        public void ThePesterSuitePassesAgainstTheModuleInstalledWithInstallPSResource() => PesterSuiteTests.RunPass("Installed", _console);
    }

    /// <summary>
    /// The Pester suite in a real pwsh 7.6.10 process, run by tests/Pester/Invoke-PesterSuite.ps1 (the
    /// same script a developer runs): once against the laid-out module, once against the package
    /// installed with Install-PSResource. Each pass has a temporary home of its own.
    /// </summary>
    internal static class PesterSuiteTests
    {
        private static readonly TimeSpan PassTimeout = TimeSpan.FromMinutes(25);
        private static readonly object RestoreGate = new object();
        private static bool _restored;

        public static void RunPass(string pass, PesterConsole console)
        {
            // This process has a home of its own (TestHome), and dotnet keeps its map of local tools
            // under the home: restore it there (the package itself is already in the NuGet cache).
            RestoreTools();
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = RepoRoot.Path, // where dotnet-tools.json pins pwsh
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            foreach (string argument in new[]
            {
                "pwsh", "-NoProfile", "-NonInteractive", "-File", System.IO.Path.Combine(RepoRoot.Path, "tests", "Pester", "Invoke-PesterSuite.ps1"),
                "-Pass", pass, "-PesterManifest", Metadata("PesterManifest"), "-Configuration", Metadata("Configuration"),
            })
            {
                start.ArgumentList.Add(argument);
            }
            var log = new StringBuilder();
            string prefix = $"Pester ({pass}) ";
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => Forward(e.Data);
            process.ErrorDataReceived += (_, e) => Forward(e.Data);
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(PassTimeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                throw new XunitException($"The Pester pass '{pass}' did not finish within {PassTimeout.TotalMinutes} min:\n{Tail(log)}");
            }
            process.WaitForExit(); // drains the output
            Assert.True(process.ExitCode == 0, $"The Pester pass '{pass}' failed (exit code {process.ExitCode}).\n{FailedTests(log)}\n{Tail(log)}");
            Assert.Contains("Tests Passed:", Tail(log), StringComparison.Ordinal);

            void Forward(string? line)
            {
                if (line == null)
                {
                    return;
                }
                lock (log)
                {
                    log.AppendLine(line);
                }
                if (line.Trim().Length > 0)
                {
                    console.Line(prefix + line);
                }
            }
        }

        private static void RestoreTools()
        {
            lock (RestoreGate)
            {
                if (!_restored)
                {
                    Restore();
                    _restored = true;
                }
            }
        }

        private static void Restore()
        {
            var start = new ProcessStartInfo("dotnet", "tool restore") { WorkingDirectory = RepoRoot.Path, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            using Process process = Process.Start(start)!;
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"dotnet tool restore failed: {output.Result}{error.Result}");
        }

        /// <summary>
        /// Pester's lines for the tests that failed ("[-] ..."), first in the failure message: in a CI log
        /// the two passes' outputs interleave with the other test projects', and the tail of a pass's
        /// output is the summary, not the names.
        /// </summary>
        private static string FailedTests(StringBuilder log)
        {
            lock (log)
            {
                string[] failed = log.ToString().Split('\n').Where(line => line.TrimStart().StartsWith("[-]", StringComparison.Ordinal)).ToArray();
                return failed.Length == 0 ? "No test failed: the pass itself did (see its output)." : "Failed:\n" + string.Join("\n", failed);
            }
        }

        private static string Tail(StringBuilder log)
        {
            lock (log)
            {
                string[] lines = log.ToString().Split('\n');
                return string.Join("\n", lines.Skip(Math.Max(0, lines.Length - 200)));
            }
        }

        private static string Metadata(string key) =>
            typeof(PesterConsole).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
    }
}
