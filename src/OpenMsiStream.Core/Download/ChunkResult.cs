using System;
using System.Collections.Generic;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Download
{
    internal enum ChunkResultKind
    {
        InProgress,
        Completed,
        Duplicate,
        Skipped,
        Stale,
        Failed,

        /// <summary>The output cannot be written now (a full disk): nothing is resolved, and the receiver pauses and tries again.</summary>
        Blocked,
    }

    /// <summary>
    /// What one chunk led to, and which consumed messages are now fully handled (their offsets may be
    /// committed). A failure that retrying could fix (the output directory is not writable) resolves
    /// nothing: its messages are read again when the receiver tries again.
    /// </summary>
    internal sealed class ChunkResult
    {
        private static readonly IReadOnlyList<MessagePosition> None = Array.Empty<MessagePosition>();

        private ChunkResult(ChunkResultKind kind, IReadOnlyList<MessagePosition> resolved, ReceivedFile? file = null, OpenMsiStreamException? error = null, string? warning = null, MessagePosition? badMessage = null)
        {
            BadMessage = badMessage;
            Kind = kind;
            Resolved = resolved;
            File = file;
            Error = error;
            Warning = warning;
        }

        public ChunkResultKind Kind { get; }

        public IReadOnlyList<MessagePosition> Resolved { get; }

        public ReceivedFile? File { get; }

        public OpenMsiStreamException? Error { get; }

        /// <summary>A message found corrupt (its chunk does not match its chunk hash), to be kept aside when it is still at hand.</summary>
        public MessagePosition? BadMessage { get; }

        /// <summary>A note for the user (a version of a file was skipped or abandoned).</summary>
        public string? Warning { get; }

        public static readonly ChunkResult InProgress = new ChunkResult(ChunkResultKind.InProgress, None);

        public static ChunkResult Completed(ReceivedFile file, IReadOnlyList<MessagePosition> resolved, string? warning = null) =>
            new ChunkResult(ChunkResultKind.Completed, resolved, file, warning: warning);

        public static ChunkResult Duplicate(MessagePosition position) => new ChunkResult(ChunkResultKind.Duplicate, new[] { position });

        /// <summary>A message this receiver does not rebuild (filtered out).</summary>
        public static ChunkResult Skipped(MessagePosition position) => new ChunkResult(ChunkResultKind.Skipped, new[] { position });

        public static ChunkResult Stale(IReadOnlyList<MessagePosition> resolved, string warning) => new ChunkResult(ChunkResultKind.Stale, resolved, warning: warning);

        public static ChunkResult Failed(OpenMsiStreamException error, IReadOnlyList<MessagePosition> resolved, MessagePosition? badMessage = null) =>
            new ChunkResult(ChunkResultKind.Failed, resolved, error: error, badMessage: badMessage);

        /// <summary>A failure of the output directory that retrying fixes; its messages stay held back.</summary>
        public static ChunkResult Blocked(OpenMsiStreamException error) => new ChunkResult(ChunkResultKind.Blocked, None, error: error);

        public static ChunkResult InProgressWithWarning(IReadOnlyList<MessagePosition> resolved, string warning) =>
            new ChunkResult(ChunkResultKind.InProgress, resolved, warning: warning);
    }
}
