using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace OpenMsiStream.PowerShellHost
{
    /// <summary>
    /// <c>pwsh-host [--import MODULE]... (--pester FILE... [--pester-module Pester.psd1] | --script FILE) [-- ARGS]</c>
    /// <para>Runs PowerShell 7.6 (the engine of Microsoft.PowerShell.SDK, with the Utility, Management and
    /// Security modules) where there is no pwsh: under Wine as a Windows PowerShell, and on a Linux
    /// machine without .NET. Each --import is imported first, as Import-Module would. With --pester it
    /// runs the Pester files and prints Pester's own report, then "N passed, N failed, N skipped"; the
    /// exit code is the number of failures. With --script it runs the file with the arguments after --,
    /// writes its output, and exits 1 after an error record.</para>
    /// </summary>
    internal static class Program
    {
        public static int Main(string[] args)
        {
            var imports = new List<string>();
            var pesterFiles = new List<string>();
            string? pesterModule = null;
            string? script = null;
            var scriptArguments = new List<string>();
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--import": imports.Add(args[++i]); break;
                    case "--pester": pesterFiles.Add(args[++i]); break;
                    case "--pester-module": pesterModule = args[++i]; break;
                    case "--script": script = args[++i]; break;
                    case "--": scriptArguments.AddRange(args.Skip(i + 1)); i = args.Length; break;
                    default:
                        Console.Error.WriteLine($"pwsh-host: unknown argument '{args[i]}'");
                        return 2;
                }
            }
            if ((pesterFiles.Count == 0) == (script == null))
            {
                Console.Error.WriteLine("usage: pwsh-host [--import MODULE]... (--pester FILE... [--pester-module Pester.psd1] | --script FILE) [-- ARGS]");
                return 2;
            }

            // CreateDefault, not CreateDefault2: it also loads the Utility, Management and Security cmdlets
            // from their assemblies (the SDK ships no Modules folder with their manifests to auto-load from).
            InitialSessionState state = InitialSessionState.CreateDefault();
            // A Windows runspace starts Restricted, which refuses every module's format file and script.
            if (OperatingSystem.IsWindows())
            {
                state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass; // (no execution policy elsewhere)
            }
            using Runspace runspace = RunspaceFactory.CreateRunspace(new TextHost(), state);
            runspace.Open();
            using System.Management.Automation.PowerShell ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = runspace;
            ps.Streams.Error.DataAdded += (_, e) => Console.Error.WriteLine("error: " + Describe(ps.Streams.Error[e.Index]));
            // Warnings, Write-Host and -WhatIf reach stdout/stderr through the host (TextHost).
            foreach (string module in imports)
            {
                ps.AddCommand("Import-Module").AddParameter("Name", module).AddParameter("ErrorAction", "Stop").AddStatement();
            }
            try
            {
                return pesterFiles.Count > 0 ? RunPester(ps, pesterModule, pesterFiles) : RunScript(ps, script!, scriptArguments);
            }
            catch (RuntimeException ex)
            {
                Console.Error.WriteLine("error: " + Describe(ex.ErrorRecord));
                return 1;
            }
        }

        private static int RunPester(System.Management.Automation.PowerShell ps, string? pesterModule, List<string> files)
        {
            ps.AddCommand("Import-Module").AddParameter("Name", pesterModule ?? "Pester").AddParameter("ErrorAction", "Stop").AddStatement();
            ps.AddScript(@"param($files)
                $configuration = New-PesterConfiguration
                $configuration.Run.Path = $files
                $configuration.Run.PassThru = $true
                $configuration.Output.Verbosity = 'Detailed'
                Invoke-Pester -Configuration $configuration").AddArgument(files.ToArray());
            PSObject? result = ps.Invoke().LastOrDefault();
            if (result == null)
            {
                Console.Error.WriteLine("pwsh-host: Invoke-Pester returned no result.");
                return 1;
            }
            int passed = Count(result, "PassedCount"), failed = Count(result, "FailedCount"), skipped = Count(result, "SkippedCount");
            int blockFailures = Count(result, "FailedBlocksCount") + Count(result, "FailedContainersCount");
            Console.WriteLine($"{passed} passed, {failed + blockFailures} failed, {skipped} skipped");
            return failed + blockFailures;
        }

        private static int RunScript(System.Management.Automation.PowerShell ps, string script, List<string> arguments)
        {
            ps.AddCommand(script);
            foreach (string argument in arguments)
            {
                ps.AddArgument(argument);
            }
            foreach (PSObject item in ps.Invoke())
            {
                Console.WriteLine(item?.ToString());
            }
            return ps.HadErrors ? 1 : 0;
        }

        private static int Count(PSObject result, string property) => Convert.ToInt32(result.Properties[property]?.Value ?? 0);

        private static string Describe(ErrorRecord error) => $"{error.FullyQualifiedErrorId}: {error}";
    }
}
