using System.Management.Automation;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// Builds error records whose id is Core's stable error id (FQID "&lt;ErrorId&gt;,&lt;cmdlet class&gt;").
    /// The message shown is escaped (<see cref="PrintableText"/>), since it may hold a name chosen by a
    /// producer; the exception and the target keep the real text.
    /// </summary>
    internal static class ErrorRecords
    {
        public static ErrorRecord From(OpenMsiStreamException error, object? target = null)
        {
            var record = new ErrorRecord(error, error.ErrorId, CategoryOf(error.Kind), target ?? error.Target);
            string shown = PrintableText.Escape(error.Message);
            if (!ReferenceEquals(shown, error.Message))
            {
                record.ErrorDetails = new ErrorDetails(shown);
            }
            return record;
        }

        private static ErrorCategory CategoryOf(ErrorKind kind) => kind switch
        {
            ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
            ErrorKind.InvalidConfiguration => ErrorCategory.InvalidData,
            ErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
            ErrorKind.ConnectionError => ErrorCategory.ConnectionError,
            ErrorKind.AuthenticationError => ErrorCategory.AuthenticationError,
            ErrorKind.InvalidData => ErrorCategory.InvalidData,
            ErrorKind.ReadError => ErrorCategory.ReadError,
            ErrorKind.WriteError => ErrorCategory.WriteError,
            ErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
            _ => ErrorCategory.InvalidOperation,
        };
    }
}
