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
        public OpenMsiStreamException(string errorId, ErrorKind kind, string message, Exception? innerException = null, object? target = null)
            : base(message, innerException)
        {
            ErrorId = errorId;
            Kind = kind;
            Target = target;
        }

        /// <summary>Stable identifier, for example <c>BrokerUnreachable</c> or <c>HashMismatch</c>.</summary>
        public string ErrorId { get; }

        /// <summary>What kind of failure this is; the cmdlets map it to an ErrorCategory.</summary>
        public ErrorKind Kind { get; }

        /// <summary>The file, topic or setting the error is about, when there is one.</summary>
        public object? Target { get; }
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
