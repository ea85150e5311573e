using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Download;

namespace OpenMsiStream.Processing
{
    /// <summary>
    /// Code run on every file a stream processor receives. Derive from one of the three classes
    /// below, each with one method to override; the runner calls them, possibly on several threads at
    /// once (see <see cref="StreamProcessingOptions.ThrottleLimit"/>).
    /// </summary>
    public abstract class FileHandler
    {
        /// <summary>
        /// Handles one file. Returning normally means processed; throwing means failed (the file is
        /// recorded as failed with the exception's message and processed again after a restart).
        /// </summary>
        public abstract Task<HandlerOutcome> HandleAsync(ReceivedFile file, CancellationToken cancellationToken);
    }

    /// <summary>What handling a file produced.</summary>
    public sealed class HandlerOutcome
    {
        public static readonly HandlerOutcome Nothing = new HandlerOutcome(Array.Empty<string>(), Array.Empty<object>(), null);

        public HandlerOutcome(IReadOnlyList<string> resultMessages, IReadOnlyList<object> output, string? log)
        {
            ResultMessages = resultMessages;
            Output = output;
            Log = log;
        }

        /// <summary>JSON texts to produce to the result topic (when there is one), in order.</summary>
        public IReadOnlyList<string> ResultMessages { get; }

        /// <summary>Whatever the handler wants to hand back to its caller (a script's output objects).</summary>
        public IReadOnlyList<object> Output { get; }

        /// <summary>Text worth keeping with the result (an external command's stdout and stderr).</summary>
        public string? Log { get; }
    }

    /// <summary>OpenMSIStream's DataFileStreamProcessor: run code on every file; nothing is produced.</summary>
    public abstract class DataFileStreamProcessor : FileHandler
    {
        /// <summary>Processes one file; throw to mark it failed.</summary>
        protected abstract Task ProcessFileAsync(ReceivedFile file, CancellationToken cancellationToken);

        public sealed override async Task<HandlerOutcome> HandleAsync(ReceivedFile file, CancellationToken cancellationToken)
        {
            await ProcessFileAsync(file, cancellationToken).ConfigureAwait(false);
            return HandlerOutcome.Nothing;
        }
    }

    /// <summary>
    /// OpenMSIStream's DataFileStreamReproducer: compute messages from every file and produce them to
    /// the result topic, keyed <c>&lt;prepend&gt;_processing_result</c>. The file counts as processed once
    /// they are on the broker.
    /// </summary>
    public abstract class DataFileStreamReproducer : FileHandler
    {
        /// <summary>The messages (JSON text) for one file; throw to mark it failed.</summary>
        protected abstract Task<IReadOnlyList<string>> GetResultMessagesAsync(ReceivedFile file, CancellationToken cancellationToken);

        public sealed override async Task<HandlerOutcome> HandleAsync(ReceivedFile file, CancellationToken cancellationToken) =>
            new HandlerOutcome(await GetResultMessagesAsync(file, cancellationToken).ConfigureAwait(false), Array.Empty<object>(), null);
    }

    /// <summary>
    /// OpenMSIStream's MetadataJSONReproducer: extract a dictionary of metadata from every file and
    /// publish it as one JSON object on the result topic.
    /// </summary>
    public abstract class MetadataJsonReproducer : FileHandler
    {
        private static readonly JsonSerializerOptions Json = new JsonSerializerOptions { WriteIndented = false };

        /// <summary>The file's metadata; throw to mark the file failed.</summary>
        protected abstract Task<IDictionary<string, object?>> GetMetadataAsync(ReceivedFile file, CancellationToken cancellationToken);

        public sealed override async Task<HandlerOutcome> HandleAsync(ReceivedFile file, CancellationToken cancellationToken)
        {
            IDictionary<string, object?> metadata = await GetMetadataAsync(file, cancellationToken).ConfigureAwait(false);
            string json = JsonSerializer.Serialize(metadata.ToDictionary(p => p.Key, p => p.Value), Json);
            return new HandlerOutcome(new[] { json }, new object[] { metadata }, null);
        }
    }
}
