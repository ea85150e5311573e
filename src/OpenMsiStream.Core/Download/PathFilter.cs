using System;
using System.Text.RegularExpressions;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Download
{
    /// <summary>The regular expression on relative paths (POSIX separators) that every front end's filter option takes.</summary>
    public static class PathFilter
    {
        /// <summary>The filter, or null for none; an invalid pattern is an InvalidArgument error naming <paramref name="option"/>.</summary>
        public static Regex? Parse(string? pattern, string option)
        {
            if (pattern == null)
            {
                return null;
            }
            try
            {
                return new Regex(pattern, RegexOptions.CultureInvariant);
            }
            catch (ArgumentException ex)
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    $"{option} '{pattern}' is not a valid regular expression: {ex.Message}", ex, pattern);
            }
        }
    }
}
