using System;
using System.Collections.Generic;
using System.Threading;
using Confluent.Kafka;
using OpenMsiStream.Crypto.Runtime;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Messaging;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Download
{
    /// <summary>
    /// What one consumed message leads to: decrypted, deserialized, filtered and given to the
    /// <see cref="Reassembler"/>; a message that cannot be used is kept aside (<see cref="Quarantine"/>,
    /// or <see cref="UndecryptableMessageStore"/>) and reported. Consume thread only.
    /// </summary>
    internal sealed class ChunkMessageHandler(ReceiveOptions options, OffsetTracker offsets, Reassembler reassembler, Quarantine? quarantine,
        ConsumerDecryption? decryptor, string? undecryptableDirectory)
    {
        private readonly ReceiveOptions _options = options;
        private readonly OffsetTracker _offsets = offsets;
        private readonly Reassembler _reassembler = reassembler;
        private readonly Quarantine? _quarantine = quarantine;
        private readonly ConsumerDecryption? _decryptor = decryptor;
        private readonly string? _undecryptableDirectory = undecryptableDirectory;
        private readonly HashSet<string> _badMetadataReported = new HashSet<string>(StringComparer.Ordinal);
        private IRunObserver<ReceivedFile, ReceiveProgress>? _observer;
        private CancellationToken _running;

        /// <summary>A run begins: warnings go to <paramref name="observer"/>, and <paramref name="running"/> stops waiting for keys.</summary>
        public void Start(IRunObserver<ReceivedFile, ReceiveProgress> observer, CancellationToken running)
        {
            _observer = observer;
            _running = running;
        }

        public ChunkResult Handle(ConsumeResult<byte[], byte[]> result)
        {
            try
            {
                return Rebuild(result);
            }
            catch (Exception ex) when (RetryableOutputFailure.Is(ex))
            {
                // Keeping a bad or undecryptable message failed (a full disk): it is read again later.
                return ChunkResult.Blocked(new OpenMsiStreamException(ErrorIds.OutputWriteFailed,
                    $"Could not keep the message at topic '{_options.Topic}', partition {result.Partition.Value}, offset {result.Offset.Value}: {RetryableOutputFailure.Describe(ex)} Receiving pauses and tries again until writing works.",
                    ex, _options.OutputDirectory));
            }
        }

        private ChunkResult Rebuild(ConsumeResult<byte[], byte[]> result)
        {
            Timestamp timestamp = result.Message.Timestamp;
            var position = new MessagePosition(result.Partition.Value, result.Offset.Value,
                timestamp.Type == TimestampType.NotAvailable ? (DateTime?)null : timestamp.UtcDateTime);
            _offsets.Begin(position);
            byte[]? value = result.Message.Value;
            if (_decryptor != null)
            {
                DecryptedMessage decrypted = _decryptor.Decrypt(_options.Topic, result.Message.Key, value, _running);
                if (!decrypted.Succeeded)
                {
                    return Undecryptable(decrypted.Failure!, result, position);
                }
                value = decrypted.Value;
            }
            DataFileChunk chunk;
            try
            {
                // The file's SHA-512 covers every byte; the chunk hashes are checked when it fails, to name the bad chunk.
                chunk = ChunkMessageDeserializer.DeserializeForFileCheck(value ?? Array.Empty<byte>());
            }
            catch (OpenMsiStreamException error)
            {
                return ChunkResult.Failed(Quarantined(error, result, position), new[] { position });
            }
            if (_options.Filter != null && !_options.Filter.IsMatch(chunk.RelativePath))
            {
                return ChunkResult.Skipped(position);
            }
            FileMetadata? metadata = ReadMetadata(result.Message.Headers, chunk.RelativePath);
            ChunkResult outcome = _reassembler.Accept(chunk, position, metadata);
            if (outcome.Error?.ErrorId == ErrorIds.UnsafePath
                || (outcome.BadMessage is MessagePosition bad && bad.Partition == position.Partition && bad.Offset == position.Offset))
            {
                return ChunkResult.Failed(Quarantined(outcome.Error!, result, position), outcome.Resolved);
            }
            return outcome;
        }

        /// <summary>
        /// The file's metadata header (<see cref="FileMetadata"/>); one that is not a JSON object of strings
        /// or too large is left out with a warning, once per file, and the file is received without it.
        /// </summary>
        private FileMetadata? ReadMetadata(Headers? headers, string relativePath)
        {
            if (headers == null || !headers.TryGetLastBytes(FileMetadata.HeaderName, out byte[] header))
            {
                return null;
            }
            FileMetadata? metadata = FileMetadata.Read(header);
            if (metadata == null && _badMetadataReported.Add(relativePath))
            {
                if (_badMetadataReported.Count > 10_000)
                {
                    _badMetadataReported.Clear();
                }
                _observer!.Warning($"The metadata of '{relativePath}' is not a JSON object of strings of at most {FileMetadata.MaxBytes} bytes; the file is received without it.");
            }
            return metadata;
        }

        /// <summary>
        /// A message that could not be decrypted is kept (OpenMSIStream's ENCRYPTED_MESSAGES layout) and
        /// reported; once kept, it counts as handled, so it neither blocks the commits of its partition nor
        /// is retried forever. Send-MsiUndecryptableMessage puts it back on the topic later.
        /// </summary>
        private ChunkResult Undecryptable(string failure, ConsumeResult<byte[], byte[]> result, MessagePosition position)
        {
            string where = $"topic '{_options.Topic}', {position}";
            string message = $"A message could not be decrypted by KafkaCrypto node '{_decryptor!.NodeId}' ({failure}; message at {where}";
            if (_running.IsCancellationRequested)
            {
                // Stopping: leave it uncommitted so that the next run tries it again.
                return ChunkResult.Failed(new OpenMsiStreamException(ErrorIds.UndecryptableMessage, message + ", not committed)."), Array.Empty<MessagePosition>());
            }
            if (_undecryptableDirectory == null)
            {
                return ChunkResult.Failed(new OpenMsiStreamException(ErrorIds.UndecryptableMessage,
                    message + "; not saved: give -OutputDirectory to keep undecryptable messages)."), new[] { position });
            }
            string kept = UndecryptableMessageStore.Save(_undecryptableDirectory, _options.Topic, result.Message.Key, result.Message.Value, result.Message.Timestamp);
            return ChunkResult.Failed(new OpenMsiStreamException(ErrorIds.UndecryptableMessage,
                message + $", kept in '{kept}'). Send it again with Send-MsiUndecryptableMessage once its producer can hand out the key.", target: kept), new[] { position });
        }

        private OpenMsiStreamException Quarantined(OpenMsiStreamException error, ConsumeResult<byte[], byte[]> result, MessagePosition position)
        {
            string where = $"topic '{_options.Topic}', {position}";
            if (_quarantine == null)
            {
                return new OpenMsiStreamException(error.Id, $"{error.Message} (message at {where})", error.InnerException, error.Target);
            }
            string kept = _quarantine.Keep(_options.Topic, position, result.Message.Key, result.Message.Value, error.Message);
            return new OpenMsiStreamException(error.Id, $"{error.Message} (message at {where}, kept in '{kept}')", error.InnerException, error.Target);
        }
    }
}
