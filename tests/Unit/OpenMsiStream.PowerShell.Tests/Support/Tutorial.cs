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
    /// and left running until the tutorial ends. Blocks that are shown but not run have an info string of
    /// <see cref="ShownNotRun"/>; any other info string, or none, is an error, so that a misspelled
    /// ```powershel block cannot silently drop out of the test.
    /// </summary>
    public static class Tutorial
    {
        private static readonly Regex Fence = new Regex(@"^```(?<lang>[A-Za-z0-9_-]*)\s*$");

        /// <summary>Info string of the Windows PowerShell equivalents of shell steps: parsed by the tests, not run (no Windows here).</summary>
        public const string WindowsPowerShell = "powershell-windows";

        /// <summary>Output and file contents (```text, ```ini) and the Windows equivalents: documentation only.</summary>
        public static readonly IReadOnlyCollection<string> ShownNotRun = new[] { "text", "ini", WindowsPowerShell };

        /// <summary>The ```powershell-windows blocks, with the line of their opening fence.</summary>
        public static IReadOnlyList<TutorialStep> WindowsSteps(string markdownPath) =>
            Blocks(markdownPath).Where(b => b.Lang == WindowsPowerShell).Select(b => new TutorialStep(TutorialStepKind.PowerShell, b.Code, b.Line)).ToList();

        public static IReadOnlyList<TutorialStep> Steps(string markdownPath)
        {
            var steps = new List<TutorialStep>();
            foreach ((string lang, string code, int line) in Blocks(markdownPath))
            {
                if (lang == "powershell" || lang == "pwsh")
                {
                    steps.Add(new TutorialStep(TutorialStepKind.PowerShell, code, line));
                }
                else if (lang == "sh" || lang == "bash")
                {
                    bool background = code.Split('\n')[0].IndexOf("keeps running", StringComparison.OrdinalIgnoreCase) >= 0;
                    steps.Add(new TutorialStep(background ? TutorialStepKind.BackgroundShell : TutorialStepKind.Shell, code, line));
                }
                else if (!ShownNotRun.Contains(lang))
                {
                    throw new InvalidDataException($"{markdownPath} line {line}: a code block with the info string '{lang}': use powershell or sh for commands that run, "
                        + $"or one of {string.Join(", ", ShownNotRun)} for blocks that are only shown");
                }
            }
            return steps;
        }

        /// <summary>Every fenced block: its info string (lower case), its text, and the line of its opening fence.</summary>
        private static IEnumerable<(string Lang, string Code, int Line)> Blocks(string markdownPath)
        {
            string[] lines = File.ReadAllLines(markdownPath);
            for (int i = 0; i < lines.Length; i++)
            {
                Match open = Fence.Match(lines[i]);
                if (!open.Success)
                {
                    continue;
                }
                // Outside a block every fence opens one (closing fences are consumed below), so an empty
                // info string here is a block without one.
                string lang = open.Groups["lang"].Value.ToLowerInvariant();
                int start = i;
                var body = new List<string>();
                for (i++; i < lines.Length && lines[i].TrimEnd() != "```"; i++)
                {
                    body.Add(lines[i]);
                }
                yield return (lang, string.Join("\n", body), start + 1);
            }
        }
    }
}
