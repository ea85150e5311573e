using System;
using System.Runtime.InteropServices;

namespace OpenMsiStream.FileSystem
{
    /// <summary>How this machine's file system compares paths.</summary>
    public static class PathRules
    {
        /// <summary>Case-insensitive on Windows and macOS (their default file systems), exact elsewhere.</summary>
        public static StringComparison Comparison { get; } =
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
                ? StringComparison.OrdinalIgnoreCase
                : StringComparison.Ordinal;
    }
}
