using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Wire
{
    /// <summary>
    /// Turns the untrusted directory and file name of a chunk message into a path under the output
    /// directory, or refuses it. Refused: <c>..</c>, absolute paths, drive letters, backslashes, NUL,
    /// Windows device names (on every OS, so a topic means the same everywhere), the product's own
    /// state directory, and on Windows the characters and trailing dots/spaces Windows would rewrite.
    /// </summary>
    public static class SafeRelativePath
    {
        /// <summary>Directory inside an output directory where staging and quarantine files live.</summary>
        public const string StateDirectoryName = ".openmsistream";

        private static readonly HashSet<string> DeviceNames = new HashSet<string>(
            new[] { "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$" }
                .Concat(Enumerable.Range(0, 10).Select(i => "COM" + i))
                .Concat(Enumerable.Range(0, 10).Select(i => "LPT" + i))
                .Concat(new[] { "COM\u00b9", "COM\u00b2", "COM\u00b3", "LPT\u00b9", "LPT\u00b2", "LPT\u00b3" }),
            StringComparer.OrdinalIgnoreCase);

        private static readonly char[] WindowsInvalid = { '<', '>', ':', '"', '|', '?', '*' };

        /// <summary>
        /// The POSIX relative path of the file a message describes: its directory, and its name with
        /// <paramref name="filenameAppend"/> added to the stem (OpenMSIStream's rule).
        /// </summary>
        public static string Resolve(string subdirectory, string filename, string filenameAppend)
        {
            string described = subdirectory.Length == 0 ? filename : subdirectory + "/" + filename;
            if (subdirectory.StartsWith("/", StringComparison.Ordinal))
            {
                throw Unsafe(described, "it is an absolute path");
            }
            var parts = new List<string>();
            foreach (string component in subdirectory.Split('/'))
            {
                if (component.Length == 0 || component == ".")
                {
                    continue; // "a//b" and "./a" mean "a/b" and "a", as Python's pathlib reads them
                }
                CheckComponent(component, described);
                parts.Add(component);
            }
            string name = AppendToStem(filename, filenameAppend);
            string first = parts.Count > 0 ? parts[0] : name;
            if (string.Equals(first, StateDirectoryName, StringComparison.OrdinalIgnoreCase))
            {
                throw Unsafe(described, $"'{StateDirectoryName}' is reserved for OpenMsiStream's own files");
            }
            if (name.IndexOf('/') >= 0)
            {
                throw Unsafe(described, "the file name contains '/'");
            }
            if (name.Length == 0 || name == "." || name == "..")
            {
                throw Unsafe(described, "the file name is empty or a directory reference");
            }
            CheckComponent(name, described);
            parts.Add(name);
            return string.Join("/", parts);
        }

        /// <summary>
        /// The full path of <paramref name="relativePath"/> (from <see cref="Resolve"/>) under
        /// <paramref name="outputDirectory"/>, checked once more to be inside it.
        /// </summary>
        public static string Combine(string outputDirectory, string relativePath)
        {
            string root = Path.GetFullPath(outputDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            string full = Path.GetFullPath(Path.Combine(new[] { root }.Concat(relativePath.Split('/')).ToArray()));
            if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw Unsafe(relativePath, "it resolves outside the output directory");
            }
            return full;
        }

        /// <summary>OpenMSIStream adds filename_append between the stem and the last suffix, as Python's pathlib splits them.</summary>
        internal static string AppendToStem(string filename, string append)
        {
            if (append.Length == 0)
            {
                return filename;
            }
            int dot = filename.LastIndexOf('.');
            bool hasSuffix = dot > 0 && dot < filename.Length - 1;
            return hasSuffix ? filename.Substring(0, dot) + append + filename.Substring(dot) : filename + append;
        }

        /// <summary>
        /// Why no receiver on any OS would write <paramref name="relativePath"/> (a POSIX relative path as a
        /// sender computes it), or null when it is fine. A sender checks this so that a file every receiver
        /// refuses is reported where it can be renamed, instead of being "sent" and lost.
        /// </summary>
        public static string? ProblemOnEveryReceiver(string relativePath)
        {
            string[] components = relativePath.Split('/');
            if (string.Equals(components[0], StateDirectoryName, StringComparison.OrdinalIgnoreCase))
            {
                return $"'{StateDirectoryName}' is reserved for OpenMsiStream's own files";
            }
            return components.Select(PortableProblem).FirstOrDefault(problem => problem != null);
        }

        /// <summary>What every receiver refuses in one path component (a file or directory name), whatever OS it runs on; null when fine.</summary>
        public static string? ProblemInName(string component) => PortableProblem(component);

        private static string? PortableProblem(string component)
        {
            if (component == "..")
            {
                return "it contains '..'";
            }
            if (component.IndexOf('\0') >= 0)
            {
                return "it contains a NUL character";
            }
            if (component.IndexOf('\\') >= 0)
            {
                return "it contains a backslash, a directory separator on Windows";
            }
            if (component.Length >= 2 && component[1] == ':' && IsAsciiLetter(component[0]))
            {
                return "it starts with a drive letter";
            }
            string stem = component.Split('.')[0].TrimEnd(' ');
            if (DeviceNames.Contains(stem))
            {
                return $"'{component}' is a reserved device name on Windows";
            }
            return null;
        }

        private static void CheckComponent(string component, string described)
        {
            string? problem = PortableProblem(component);
            if (problem != null)
            {
                throw Unsafe(described, problem);
            }
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                if (component.IndexOfAny(WindowsInvalid) >= 0 || component.Any(c => c < ' '))
                {
                    throw Unsafe(described, "it contains characters Windows does not allow in file names");
                }
                if (component.EndsWith(".", StringComparison.Ordinal) || component.EndsWith(" ", StringComparison.Ordinal))
                {
                    throw Unsafe(described, "it ends with a dot or space, which Windows would silently remove");
                }
            }
        }

        private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

        private static OpenMsiStreamException Unsafe(string described, string reason) =>
            new OpenMsiStreamException(ErrorIds.UnsafePath,
                $"Refused to write '{described}': {reason}. Nothing was written.", target: described);
    }
}
