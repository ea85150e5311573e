using System;
using System.IO;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.State
{
    /// <summary>
    /// Creates the folders the programs keep their output and state in, turning the file system's
    /// refusals into the product's errors: .NET says "Could not find a part of the path" when a part of
    /// it is a file, which tells a lab user nothing.
    /// </summary>
    public static class StateFolder
    {
        /// <param name="path">The folder to create (with its parents).</param>
        /// <param name="what">What the folder is for, as the message names it ("the output directory").</param>
        /// <param name="errorId">The error id to report a failure with.</param>
        public static void Create(string path, string what, string errorId)
        {
            try
            {
                Directory.CreateDirectory(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                string? file = FirstFileOnTheWay(path);
                string reason = file != null ? $"'{file}' is a file, not a directory"
                    : ex is UnauthorizedAccessException ? "permission denied"
                    : ex.Message;
                throw new OpenMsiStreamException(errorId, ErrorKind.WriteError, $"Cannot create {what} '{path}': {reason}.", ex, path);
            }
        }

        private static string? FirstFileOnTheWay(string path)
        {
            for (string? current = Path.GetFullPath(path); !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
            {
                if (File.Exists(current))
                {
                    return current;
                }
            }
            return null;
        }
    }
}
