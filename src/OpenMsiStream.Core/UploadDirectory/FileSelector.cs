using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.FileSystemGlobbing;

namespace OpenMsiStream.UploadDirectory
{
    /// <summary>
    /// Which files of a watched directory are uploaded. By default every file except hidden ones
    /// (a name, or a directory on its path, starting with '.', or the Hidden attribute on Windows) and
    /// the state directory. -Include/-Exclude are globs on the relative path ('*' within a name, '**'
    /// across directories; a pattern without '/' matches the file name at any depth); -Filter is a
    /// regular expression on the relative path. Unlike OpenMSIStream's default regex, names that merely
    /// contain "log" (catalog.txt, blog/, dialogue.csv) are uploaded.
    /// </summary>
    public sealed class FileSelector
    {
        private readonly Matcher? _include;
        private readonly Matcher? _exclude;
        private readonly Regex? _filter;
        private readonly bool _includeHidden;
        private readonly string? _excludedDirectory;

        /// <param name="excludedDirectory">A directory inside the watched one never to upload (the state directory), relative, POSIX.</param>
        public FileSelector(IEnumerable<string>? include, IEnumerable<string>? exclude, Regex? filter, bool includeHidden, string? excludedDirectory)
        {
            _include = Build(include);
            _exclude = Build(exclude);
            _filter = filter;
            _includeHidden = includeHidden;
            _excludedDirectory = excludedDirectory?.Trim('/');
        }

        /// <summary>Whether <paramref name="relativePath"/> (POSIX) is uploaded.</summary>
        public bool IsSelected(string relativePath, FileAttributes attributes = FileAttributes.Normal)
        {
            if (_excludedDirectory != null && _excludedDirectory.Length > 0
                && (relativePath.StartsWith(_excludedDirectory + "/", FileSystem.PathRules.Comparison) || string.Equals(relativePath, _excludedDirectory, FileSystem.PathRules.Comparison)))
            {
                return false;
            }
            if (!_includeHidden && (relativePath.Split('/').Any(part => part.StartsWith(".", StringComparison.Ordinal))
                || (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && (attributes & FileAttributes.Hidden) != 0)))
            {
                return false;
            }
            if (_include != null && !_include.Match(relativePath).HasMatches)
            {
                return false;
            }
            if (_exclude != null && _exclude.Match(relativePath).HasMatches)
            {
                return false;
            }
            return _filter == null || _filter.IsMatch(relativePath);
        }

        private static Matcher? Build(IEnumerable<string>? patterns)
        {
            string[] list = patterns?.Where(p => !string.IsNullOrWhiteSpace(p)).ToArray() ?? Array.Empty<string>();
            if (list.Length == 0)
            {
                return null;
            }
            var matcher = new Matcher(StringComparison.OrdinalIgnoreCase);
            foreach (string pattern in list)
            {
                string posix = pattern.Replace('\\', '/');
                matcher.AddInclude(posix.Contains("/") ? posix.TrimStart('/') : "**/" + posix);
            }
            return matcher;
        }
    }
}
