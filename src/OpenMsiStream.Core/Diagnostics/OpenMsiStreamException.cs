using System;

namespace OpenMsiStream.Diagnostics
{
    /// <summary>
    /// Every failure the product reports on purpose. <see cref="ErrorId"/> is stable (tests and user
    /// scripts match on it: the cmdlets use it as the error record id, the CLI prints it), and
    /// <see cref="Exception.Message"/> is written for a lab user, naming the file, topic or setting.
    /// </summary>
    public class OpenMsiStreamException : Exception
    {
        public OpenMsiStreamException(ErrorId id, string message, Exception? innerException = null, object? target = null)
            : base(message, innerException)
        {
            Id = id;
            Target = target;
        }

        /// <summary>The id as declared in <see cref="ErrorIds"/>, with its kind.</summary>
        public ErrorId Id { get; }

        /// <summary>Stable identifier, for example <c>BrokerUnreachable</c> or <c>HashMismatch</c>.</summary>
        public string ErrorId => Id.Name;

        /// <summary>What kind of failure this is (the id's); the cmdlets map it to an ErrorCategory, the CLI to an exit code.</summary>
        public ErrorKind Kind => Id.Kind;

        /// <summary>The file, topic or setting the error is about, when there is one.</summary>
        public object? Target { get; }

        /// <summary>
        /// Any failure as one of ours, so the front ends never show a stack trace: our own errors as
        /// they are; a bad argument as InvalidArgument; a file-system refusal as FileSystemError (it may
        /// be a read or a write, so no more specific id fits); the rest (bugs) as Unexpected, with the
        /// exception's type so a report can be traced.
        /// </summary>
        public static OpenMsiStreamException From(Exception error) => error switch
        {
            OpenMsiStreamException ours => ours,
            ArgumentException argument => new OpenMsiStreamException(ErrorIds.InvalidArgument, argument.Message.Replace("\r", "").Replace("\n", " "), argument),
            UnauthorizedAccessException denied => new OpenMsiStreamException(ErrorIds.FileSystemError, denied.Message, denied),
            System.IO.IOException io => new OpenMsiStreamException(ErrorIds.FileSystemError, io.Message, io),
            _ => new OpenMsiStreamException(ErrorIds.Unexpected, $"Unexpected {error.GetType().FullName}: {error.Message}", error),
        };
    }

    /// <summary>Broad failure classes, one per PowerShell error category the product uses.</summary>
    public enum ErrorKind
    {
        InvalidArgument,
        InvalidConfiguration,
        ObjectNotFound,
        ConnectionError,
        AuthenticationError,
        InvalidData,
        ReadError,
        WriteError,
        OperationTimeout,
        InvalidOperation,
    }
}
