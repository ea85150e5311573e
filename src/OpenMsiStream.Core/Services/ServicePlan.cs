using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace OpenMsiStream.Services
{
    /// <summary>A file a plan writes; secret files are written readable by their owner only and never shown.</summary>
    public sealed class PlannedFile
    {
        public PlannedFile(string path, string content, bool secret, Encoding? encoding = null)
        {
            Path = path;
            Content = content;
            Secret = secret;
            Encoding = encoding;
        }

        /// <summary>How the file is written; null for UTF-8 without a byte order mark.</summary>
        public Encoding? Encoding { get; }

        public string Path { get; }

        public string Content { get; }

        public bool Secret { get; }
    }

    /// <summary>
    /// Everything registering, removing or controlling a service would do, worked out before any of it
    /// is done: -WhatIf prints it, and applying it does exactly this and nothing else.
    /// </summary>
    public sealed class ServicePlan
    {
        public List<PlannedFile> Writes { get; } = new List<PlannedFile>();

        public List<string> Deletions { get; } = new List<string>();

        /// <summary>Directories created after the files are written (a service's data directory, before its ACL is set).</summary>
        public List<string> Directories { get; } = new List<string>();

        public List<IReadOnlyList<string>> Commands { get; } = new List<IReadOnlyList<string>>();

        /// <summary>
        /// Commands of <see cref="Commands"/> whose failure does not stop the plan: stopping a service before
        /// removing it fails when it is not running (sc.exe stop: 1062), which must not keep it registered.
        /// </summary>
        public HashSet<IReadOnlyList<string>> MayFail { get; } = new HashSet<IReadOnlyList<string>>();

        public override string ToString()
        {
            var text = new StringBuilder();
            foreach (PlannedFile file in Writes)
            {
                text.Append("write ").Append(file.Path).Append(file.Secret ? " (mode 0600; values not shown)" : string.Empty).Append('\n');
                string shown = file.Secret
                    ? string.Join("\n", file.Content.Split('\n').Where(l => l.Length > 0).Select(l => l.Substring(0, l.IndexOf('=') + 1) + "***"))
                    : file.Content.TrimEnd('\n');
                foreach (string line in shown.Split('\n'))
                {
                    text.Append("    ").Append(line).Append('\n');
                }
            }
            foreach (string path in Directories)
            {
                text.Append("create directory ").Append(path).Append('\n');
            }
            foreach (string path in Deletions)
            {
                text.Append("delete ").Append(path).Append('\n');
            }
            foreach (IReadOnlyList<string> command in Commands)
            {
                text.Append("run ").Append(string.Join(" ", command.Select(a => a.Any(char.IsWhiteSpace) || a.Length == 0 ? "'" + a + "'" : a)))
                    .Append(MayFail.Contains(command) ? " (if it is running)" : string.Empty).Append('\n');
            }
            return text.ToString();
        }
    }
}
