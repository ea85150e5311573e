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
        /// <param name="inside">
        /// A folder the user named, that <paramref name="path"/> is an internal part of (an output
        /// directory and its staging folder): a failure is reported as one to write in that folder, which
        /// is what the user can fix, with the internal folder named second.
        /// </param>
        public static void Create(string path, string what, ErrorId errorId, (string Path, string What)? inside = null)
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
                if (inside is (string owner, string ownerWhat) && file == null)
                {
                    throw new OpenMsiStreamException(errorId,
                        $"Cannot write in {ownerWhat} '{owner}': {reason} (it needs {what} '{path}').", ex, owner);
                }
                throw new OpenMsiStreamException(errorId, $"Cannot create {what} '{path}': {reason}.", ex, path);
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
