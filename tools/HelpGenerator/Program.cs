using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Xml.Linq;

namespace OpenMsiStream.HelpGenerator
{
    /// <summary>
    /// <c>HelpGenerator &lt;module manifest&gt; &lt;output maml file&gt; &lt;xml doc file&gt;...</c>: imports the
    /// laid-out module in a PowerShell engine, so every parameter, set, position and pipeline binding is
    /// described exactly as PowerShell binds it, and writes MAML with the doc comments' texts.
    /// </summary>
    internal static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length < 3)
            {
                Console.Error.WriteLine("usage: HelpGenerator <module manifest> <output maml file> <xml doc file>...");
                return 2;
            }
            string manifest = Path.GetFullPath(args[0]);
            string output = Path.GetFullPath(args[1]);
            var docs = new DocComments(args.Skip(2).Where(File.Exists));
            using System.Management.Automation.PowerShell ps = System.Management.Automation.PowerShell.Create(InitialSessionState.CreateDefault2());
            ps.AddCommand("Import-Module").AddParameter("Name", manifest).AddParameter("PassThru");
            PSModuleInfo module = (PSModuleInfo)ps.Invoke().Single().BaseObject;
            ps.Commands.Clear();
            ps.AddCommand("Get-Command").AddParameter("Module", module.Name);
            List<CmdletInfo> cmdlets = ps.Invoke().Select(o => o.BaseObject).OfType<CmdletInfo>().OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
            var problems = new List<string>();
            string? readme = OnlineHelp.FindReadme(manifest);
            IReadOnlyDictionary<string, string> online = module.ProjectUri != null && readme != null
                ? OnlineHelp.Addresses(module.ProjectUri, File.ReadAllText(readme), cmdlets.Select(c => c.Name))
                : new Dictionary<string, string>();
            // In a checkout every cmdlet needs one; a module read elsewhere (the package test) has no README to point at.
            foreach (CmdletInfo cmdlet in cmdlets.Where(c => readme != null && !online.ContainsKey(c.Name)))
            {
                problems.Add($"{cmdlet.Name}: no online help address (the manifest's ProjectUri and a README section that names the cmdlet)");
            }
            XDocument maml = new MamlWriter(docs, cmdlets, problems, online).Write();
            foreach (string problem in problems)
            {
                Console.Error.WriteLine("HelpGenerator: error: " + problem);
            }
            if (problems.Count > 0)
            {
                return 1; // incomplete help fails the build: every cmdlet needs a synopsis, examples, every parameter a description
            }
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            maml.Save(output);
            Console.WriteLine($"HelpGenerator: help for {cmdlets.Count} cmdlets written to {output}");
            return 0;
        }
    }
}
