using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace OpenMsiStream.PowerShell.Tests.Support
{
    /// <summary>The kind of a tutorial step: a PowerShell block, a shell block, or a shell block that keeps running.</summary>
    public enum TutorialStepKind
    {
        PowerShell,
        Shell,
        BackgroundShell,
    }

    /// <summary>One fenced code block of a tutorial, in reading order.</summary>
    public sealed class TutorialStep
    {
        public TutorialStep(TutorialStepKind kind, string code, int line)
        {
            Kind = kind;
            Code = code;
            Line = line;
        }

        public TutorialStepKind Kind { get; }

        public string Code { get; }

        /// <summary>Line of the opening fence in the markdown file, for failure messages.</summary>
        public int Line { get; }
    }

    /// <summary>
    /// Reads a tutorial's commands the way a reader follows them: every ```powershell and ```sh block in
    /// order. A shell block whose first line says it "keeps running" is a second terminal: it is started
    /// and left running until the tutorial ends. Other blocks (```ini, ```text) are not commands.
    /// </summary>
    public static class Tutorial
    {
        private static readonly Regex Fence = new Regex(@"^```(?<lang>[A-Za-z0-9_-]*)\s*$");

        public static IReadOnlyList<TutorialStep> Steps(string markdownPath)
        {
            string[] lines = File.ReadAllLines(markdownPath);
            var steps = new List<TutorialStep>();
            for (int i = 0; i < lines.Length; i++)
            {
                Match open = Fence.Match(lines[i]);
                if (!open.Success || open.Groups["lang"].Value.Length == 0)
                {
                    continue;
                }
                string lang = open.Groups["lang"].Value.ToLowerInvariant();
                int start = i;
                var body = new List<string>();
                for (i++; i < lines.Length && lines[i].TrimEnd() != "```"; i++)
                {
                    body.Add(lines[i]);
                }
                string code = string.Join("\n", body);
                if (lang == "powershell" || lang == "pwsh")
                {
                    steps.Add(new TutorialStep(TutorialStepKind.PowerShell, code, start + 1));
                }
                else if (lang == "sh" || lang == "bash")
                {
                    bool background = body.FirstOrDefault()?.IndexOf("keeps running", StringComparison.OrdinalIgnoreCase) >= 0;
                    steps.Add(new TutorialStep(background ? TutorialStepKind.BackgroundShell : TutorialStepKind.Shell, code, start + 1));
                }
            }
            return steps;
        }
    }
}
