using System;
using System.Globalization;

namespace OpenMsiStream.Wire
{
    /// <summary>
    /// OpenMSIStream's message key, <c>&lt;subdir with / as _&gt;_&lt;filename&gt;_chunk_&lt;i&gt;_of_&lt;n&gt;</c>.
    /// Consumers read the value, not the key; it is kept identical for existing tooling.
    /// </summary>
    public static class ChunkMessageKey
    {
        /// <summary>The part shared by every chunk of a file (also the prefix of result-message keys).</summary>
        public static string Prefix(string subdirectory, string filename) =>
            (subdirectory ?? string.Empty).Replace('/', '_') + "_" + filename + "_chunk";

        /// <summary>The same for a file's relative path (POSIX separators): its directory is the subdirectory.</summary>
        public static string Prefix(string relativePath)
        {
            int slash = relativePath.LastIndexOf('/');
            return Prefix(slash < 0 ? string.Empty : relativePath.Substring(0, slash), relativePath.Substring(slash + 1));
        }

        public static string For(string subdirectory, string filename, int chunkIndex, int totalChunks) =>
            Prefix(subdirectory, filename) + "_" + chunkIndex.ToString(CultureInfo.InvariantCulture) + "_of_" + totalChunks.ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// Length of the file part of a UTF-8 chunk key: everything before the trailing
        /// <c>_&lt;i&gt;_of_&lt;n&gt;</c>. A key of another shape counts whole, so it still maps consistently.
        /// </summary>
        public static int FilePartLength(ReadOnlySpan<byte> key)
        {
            int of = LastIndexOf(key, OfMarker);
            if (of <= 0 || !AllDigits(key.Slice(of + OfMarker.Length)))
            {
                return key.Length;
            }
            int underscore = key.Slice(0, of).LastIndexOf((byte)'_');
            if (underscore < 0 || !AllDigits(key.Slice(underscore + 1, of - underscore - 1)))
            {
                return key.Length;
            }
            return underscore;
        }

        private static ReadOnlySpan<byte> OfMarker => new[] { (byte)'_', (byte)'o', (byte)'f', (byte)'_' };

        private static int LastIndexOf(ReadOnlySpan<byte> text, ReadOnlySpan<byte> value) => text.LastIndexOf(value);

        private static bool AllDigits(ReadOnlySpan<byte> text)
        {
            if (text.IsEmpty)
            {
                return false;
            }
            foreach (byte b in text)
            {
                if (b < (byte)'0' || b > (byte)'9')
                {
                    return false;
                }
            }
            return true;
        }
    }
}
