using System;
using System.Buffers;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using MessagePack;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Wire
{
    /// <summary>
    /// Reads chunk values in the current 10-field and the legacy 9-field form. Every message is
    /// untrusted: anything malformed is an <c>UndecodableMessage</c> error and a chunk whose data does
    /// not hash to its chunk hash is a <c>CorruptChunk</c> error; neither is ever written anywhere.
    /// </summary>
    public static class ChunkMessageDeserializer
    {
        /// <summary>The last second .NET (and NTFS) can represent, 9999-12-31T23:59:59Z, as a Unix time.</summary>
        private const double LatestMtime = 253402300799;

        private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        /// <summary>Decodes <paramref name="value"/>; the returned chunk's data is a slice of it (no copy).</summary>
        public static DataFileChunk Deserialize(ReadOnlyMemory<byte> value, HashAlgorithm? sha512 = null)
        {
            DataFileChunk chunk = DecodeChunk(value);
            Verify(chunk, sha512);
            return chunk;
        }

        /// <summary>Decodes a message's value, any failure of the decoder being UndecodableMessage.</summary>
        private static DataFileChunk DecodeChunk(ReadOnlyMemory<byte> value)
        {
            try
            {
                return Decode(value);
            }
            catch (Exception ex) when (ex is MessagePackSerializationException || ex is EndOfStreamException
                || ex is OverflowException || ex is DecoderFallbackException || ex is InvalidOperationException)
            {
                throw Undecodable("it is not an OpenMSIStream chunk message: " + ex.Message, ex);
            }
        }

        /// <summary>
        /// Decodes <paramref name="value"/> for a receiver that verifies the whole file's SHA-512 and checks
        /// chunk hashes only when that fails (naming the bad chunk), so each byte is hashed once. A chunk that
        /// is a whole file must then carry the file hash as its chunk hash; one that does not is checked here.
        /// </summary>
        internal static DataFileChunk DeserializeForFileCheck(ReadOnlyMemory<byte> value)
        {
            DataFileChunk chunk = DecodeChunk(value);
            if (chunk.TotalChunks == 1 && !chunk.ChunkHash.AsSpan().SequenceEqual(chunk.FileHash))
            {
                Verify(chunk, null);
            }
            return chunk;
        }

        private static void Verify(DataFileChunk chunk, HashAlgorithm? sha512)
        {
            byte[] actual = Hash(chunk.Data, sha512);
            if (!actual.AsSpan().SequenceEqual(chunk.ChunkHash))
            {
                throw new OpenMsiStreamException(ErrorIds.CorruptChunk,
                    $"Chunk {chunk.ChunkIndex} of {chunk.TotalChunks} of '{chunk.RelativePath}' is corrupt: its data does not match its SHA-512 chunk hash.",
                    target: chunk.RelativePath);
            }
        }

        private static DataFileChunk Decode(ReadOnlyMemory<byte> value)
        {
            if (value.IsEmpty)
            {
                throw Undecodable("the value is empty");
            }
            var reader = new MessagePackReader(value);
            if (reader.NextMessagePackType != MessagePackType.Array)
            {
                throw Undecodable("the value is not a msgpack array");
            }
            int count = reader.ReadArrayHeader();
            if (count != ChunkMessageSerializer.FieldCount && count != ChunkMessageSerializer.LegacyFieldCount)
            {
                throw Undecodable($"the value has {count} fields; a chunk message has {ChunkMessageSerializer.FieldCount} (or {ChunkMessageSerializer.LegacyFieldCount} in the legacy form)");
            }
            string filename = ReadText(ref reader, "filename");
            byte[] fileHash = ReadHash(ref reader, "file_hash");
            byte[] chunkHash = ReadHash(ref reader, "chunk_hash");
            long offset = reader.ReadInt64();
            long chunkIndex = reader.ReadInt64();
            long totalChunks = reader.ReadInt64();
            string subdirectory = ReadText(ref reader, "subdir_str");
            string filenameAppend = ReadText(ref reader, "filename_append");
            ReadOnlyMemory<byte> data = ReadBinary(ref reader, "data", value);
            double? mtime = null;
            if (count == ChunkMessageSerializer.FieldCount && !reader.TryReadNil())
            {
                double raw = reader.ReadDouble();
                // OpenMSIStream: <= 0 means unknown. Beyond what a file system can hold (1e300) it is
                // unknown too: it cannot be a file's mtime, and it must not win every version comparison.
                mtime = raw > 0 && raw <= LatestMtime ? raw : (double?)null;
            }
            if (!reader.End)
            {
                throw Undecodable("there are extra bytes after the chunk message");
            }

            if (filename.Length == 0)
            {
                throw Undecodable("the file name is empty");
            }
            if (offset < 0)
            {
                throw Undecodable($"the chunk offset {offset} is negative");
            }
            if (totalChunks < 1 || totalChunks > int.MaxValue || chunkIndex < 1 || chunkIndex > totalChunks)
            {
                throw Undecodable($"chunk {chunkIndex} of {totalChunks} is not a valid position");
            }
            if (offset > long.MaxValue - data.Length)
            {
                throw Undecodable($"the chunk offset {offset} is out of range");
            }
            return new DataFileChunk(filename, fileHash, chunkHash, offset, (int)chunkIndex, (int)totalChunks,
                subdirectory, filenameAppend, data, mtime);
        }

        private static string ReadText(ref MessagePackReader reader, string field)
        {
            // Python's reader accepts str or bin for text fields (it unpacks raw and decodes UTF-8).
            ReadOnlySequence<byte>? bytes = reader.NextMessagePackType switch
            {
                MessagePackType.String => reader.ReadStringSequence(),
                MessagePackType.Binary => reader.ReadBytes(),
                _ => throw Undecodable($"field '{field}' is not text"),
            };
            if (bytes == null)
            {
                throw Undecodable($"field '{field}' is nil");
            }
            return StrictUtf8.GetString(bytes.Value.ToArray());
        }

        private static byte[] ReadHash(ref MessagePackReader reader, string field)
        {
            ReadOnlySequence<byte>? bytes = reader.NextMessagePackType switch
            {
                MessagePackType.Binary => reader.ReadBytes(),
                MessagePackType.String => reader.ReadStringSequence(),
                _ => throw Undecodable($"field '{field}' is not bytes"),
            };
            if (bytes == null || bytes.Value.Length != ChunkMessageSerializer.HashLength)
            {
                throw Undecodable($"field '{field}' is not a 64-byte SHA-512 digest");
            }
            return bytes.Value.ToArray();
        }

        private static ReadOnlyMemory<byte> ReadBinary(ref MessagePackReader reader, string field, ReadOnlyMemory<byte> whole)
        {
            if (reader.NextMessagePackType != MessagePackType.Binary && reader.NextMessagePackType != MessagePackType.String)
            {
                throw Undecodable($"field '{field}' is not bytes");
            }
            long before = reader.Consumed;
            ReadOnlySequence<byte>? bytes = reader.NextMessagePackType == MessagePackType.Binary ? reader.ReadBytes() : reader.ReadStringSequence();
            if (bytes == null)
            {
                throw Undecodable($"field '{field}' is nil");
            }
            // The value is one contiguous buffer, so the data is the tail of what was just consumed.
            long length = bytes.Value.Length;
            int start = (int)(reader.Consumed - length);
            return start >= before ? whole.Slice(start, (int)length) : bytes.Value.ToArray();
        }

        internal static byte[] Hash(ReadOnlyMemory<byte> data, HashAlgorithm? sha512)
        {
            HashAlgorithm hasher = sha512 ?? SHA512.Create();
            try
            {
                if (MemoryMarshal.TryGetArray(data, out ArraySegment<byte> segment))
                {
                    return hasher.ComputeHash(segment.Array!, segment.Offset, segment.Count);
                }
                return hasher.ComputeHash(data.ToArray());
            }
            finally
            {
                if (sha512 == null)
                {
                    hasher.Dispose();
                }
            }
        }

        private static OpenMsiStreamException Undecodable(string reason, Exception? inner = null) =>
            new OpenMsiStreamException(ErrorIds.UndecodableMessage, "The message cannot be read: " + reason + ".", inner);
    }
}
