using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OpenMsiStream.Soak.Writing;

namespace OpenMsiStream.Soak.Checking
{
    /// <summary>
    /// Every file visible in the output directory (the receiver's own <c>.openmsistream</c> folder left
    /// out), with its SHA-512. The receiver replaces files by renaming, so a file opened here is read
    /// whole even if it is replaced meanwhile.
    /// </summary>
    internal static class OutputScanner
    {
        public static Dictionary<string, string> Scan(string outputRoot)
        {
            var files = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!Directory.Exists(outputRoot))
            {
                return files;
            }
            foreach (string full in Directory.EnumerateFiles(outputRoot, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
            {
                string relative = Path.GetRelativePath(outputRoot, full).Replace(Path.DirectorySeparatorChar, '/');
                if (relative == ".openmsistream" || relative.StartsWith(".openmsistream/", StringComparison.Ordinal))
                {
                    continue;
                }
                try
                {
                    files[relative] = Content.Sha512OfFile(full);
                }
                catch (FileNotFoundException)
                {
                    // replaced between listing and opening: the next sample sees the new one
                }
            }
            return files;
        }
    }
}
