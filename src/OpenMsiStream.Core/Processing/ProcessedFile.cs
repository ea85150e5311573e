using System;
using System.Collections.Generic;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;

namespace OpenMsiStream.Processing
{
    public enum ProcessedStatus
    {
        /// <summary>The handler finished and its results (if any) are on the result topic.</summary>
        Processed,

        /// <summary>The handler failed or timed out; the file is processed again after a restart (or <see cref="StreamProcessingOptions.RetryFailedAfter"/>).</summary>
        Failed,
    }

    /// <summary>The outcome for one file: exactly one per file a stream processor handled.</summary>
    public sealed class ProcessedFile
    {
        public ProcessedFile(ReceivedFile file, ProcessedStatus status, int attempt, TimeSpan duration, HandlerOutcome? outcome,
            string? resultTopic, int resultsProduced, Exception? error, ResultDelivery resultDelivery = ResultDelivery.None)
        {
            ResultDelivery = resultDelivery;
            File = file;
            Status = status;
            Attempt = attempt;
            Duration = duration;
            Output = outcome?.Output ?? Array.Empty<object>();
            Log = outcome?.Log ?? (error as HandlerException)?.Log;
            ResultTopic = resultTopic;
            ResultsProduced = resultsProduced;
            Error = error;
        }

        /// <summary>The file as the handler got it.</summary>
        public ReceivedFile File { get; }

        public string RelativePath => File.RelativePath;

        public string Name => File.Name;

        public string? FullName => File.FullName;

        public long Length => File.Length;

        public string Sha512 => File.Sha512;

        public string Topic => File.Topic;

        public ProcessedStatus Status { get; }

        /// <summary>1 the first time this version of the file was handled, 2 after one failure, and so on.</summary>
        public int Attempt { get; }

        public TimeSpan Duration { get; }

        /// <summary>What the handler returned (a script's output objects, a metadata dictionary).</summary>
        public IReadOnlyList<object> Output { get; }

        /// <summary>An external command's standard output and error.</summary>
        public string? Log { get; }

        public string? ResultTopic { get; }

        /// <summary>Messages produced to <see cref="ResultTopic"/> for this file.</summary>
        public int ResultsProduced { get; }

        /// <summary>How the processor delivers results: exactly-once (in a transaction with the consumer's offsets) or at-least-once.</summary>
        public ResultDelivery ResultDelivery { get; }

        /// <summary>Why the file failed; null when it was processed.</summary>
        public Exception? Error { get; }

        public string? ErrorMessage => Error?.Message;

        /// <summary>The product error id of the failure: the handler's own when it has one, else ProcessingFailed; null when processed.</summary>
        public string? ErrorId => Error == null ? null : (Error as OpenMsiStreamException)?.ErrorId ?? ErrorIds.ProcessingFailed;

        /// <summary>The failure as a product error that names the file (the handler's own error when it is one); null when processed.</summary>
        public OpenMsiStreamException? Failure() => Error == null ? null
            : Error as OpenMsiStreamException ?? new OpenMsiStreamException(ErrorIds.ProcessingFailed,
                $"Processing '{RelativePath}' failed: {ErrorMessage}", Error, RelativePath);
    }

    /// <summary>A handler failure that carries what the handler printed before failing.</summary>
    public class HandlerException : Exception
    {
        public HandlerException(string message, string? log = null, Exception? innerException = null)
            : base(message, innerException) => Log = log;

        public string? Log { get; }
    }
}
