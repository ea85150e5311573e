using System;
using System.IO;
using Microsoft.Data.Sqlite;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// Failures of the output directory or the state beside it that go away when an operator fixes the
    /// cause (a full disk, a permission), as opposed to ones inherent in the message (a path too long
    /// for the file system). A receiver pauses on them and tries again; it neither commits past the
    /// messages involved nor ends.
    /// </summary>
    internal static class RetryableOutputFailure
    {
        // SQLite result codes (primary): the database could not be written for reasons outside it.
        private const int SqliteBusy = 5;
        private const int SqliteReadOnly = 8;
        private const int SqliteIoError = 10;
        private const int SqliteFull = 13;
        private const int SqliteCantOpen = 14;

        /// <summary>
        /// The reason in words, without the path .NET appends to an I/O error (" : '/out/.openmsistream/
        /// staging/…/x.part'"): that is an internal file, while the message names the file concerned.
        /// </summary>
        public static string Describe(Exception ex)
        {
            string message = ex.Message;
            int path = message.LastIndexOf(" : '", StringComparison.Ordinal);
            return (path > 0 && message.EndsWith("'", StringComparison.Ordinal) ? message.Substring(0, path) : message).TrimEnd('.') + ".";
        }

        public static bool Is(Exception ex) => ex switch
        {
            UnauthorizedAccessException _ => true,
            PathTooLongException _ => false,
            FileNotFoundException _ => false,
            DirectoryNotFoundException _ => true, // a folder removed under the receiver: it is made again
            IOException _ => true,
            SqliteException sqlite => (sqlite.SqliteErrorCode & 0xff) is SqliteBusy or SqliteReadOnly or SqliteIoError or SqliteFull or SqliteCantOpen,
            _ => false,
        };
    }
}
