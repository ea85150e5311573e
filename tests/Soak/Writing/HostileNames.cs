using System;
using System.Collections.Generic;
using System.Linq;

namespace OpenMsiStream.Soak.Writing
{
    /// <summary>
    /// Relative paths (1 to 4 levels) made of names an operator's instruments produce and shells
    /// mangle: spaces, tabs, quotes, ';', '$', '%', emoji, accents. None that every receiver refuses
    /// (backslashes, device names) or that the uploader skips (a leading '.').
    /// </summary>
    internal static class HostileNames
    {
        private static readonly string[] Directories =
        {
            "run 1", "tab\there", "quote \"q\"", "it's", "a;b", "$HOME", "100%", "🧪 samples", "Ünïcødé", "x", "deep dir", "%PATH% & $(x)",
        };

        private static readonly string[] Stems =
        {
            "scan", "tab\tfile", "\"quoted\"", "it's", "semi;colon", "$dollar", "50% done", "emoji 🚀📦", "naïve café", "plain", "a b  c", "`tick`",
        };

        private static readonly string[] Extensions = { ".raw", ".csv", ".bin", ".dat", "", ".tar.gz" };

        /// <summary><paramref name="count"/> distinct paths with '/' separators.</summary>
        public static List<string> Make(int count, Random random)
        {
            var paths = new List<string>();
            var taken = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; paths.Count < count; i++)
            {
                int depth = 1 + (i % 4);
                IEnumerable<string> directories = Enumerable.Range(0, depth - 1).Select(_ => Directories[random.Next(Directories.Length)]);
                string name = $"{Stems[random.Next(Stems.Length)]} {i}{Extensions[random.Next(Extensions.Length)]}";
                string path = string.Join("/", directories.Append(name));
                if (taken.Add(path))
                {
                    paths.Add(path);
                }
            }
            return paths;
        }
    }
}
