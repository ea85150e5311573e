using System;
using System.Linq;
using MessagePack;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Wire;
using Xunit;

namespace OpenMsiStream.Tests.Wire
{
    /// <summary>Messages are untrusted: every malformation is a specific error, never a crash or a write.</summary>
    public class UntrustedMessageTests
    {
        private static byte[] ValidValue => OpenMsiStreamVectors.ByName("top_3").Value;

        [Fact]
        public void AChunkWhoseDataDoesNotMatchItsHashIsCorrupt()
        {
            byte[] value = ValidValue;
            value[value.Length - 20] ^= 0xff; // inside the data

            var error = Assert.Throws<OpenMsiStreamException>(() => ChunkMessageDeserializer.Deserialize(value));

            Assert.Equal(ErrorIds.CorruptChunk, error.ErrorId);
            Assert.Equal("Chunk 3 of 3 of 'top.bin' is corrupt: its data does not match its SHA-512 chunk hash.", error.Message);
        }

        [Fact]
        public void ATruncatedMessageIsUndecodable()
        {
            byte[] value = ValidValue.AsSpan(0, 200).ToArray();

            var error = Assert.Throws<OpenMsiStreamException>(() => ChunkMessageDeserializer.Deserialize(value));

            Assert.Equal(ErrorIds.UndecodableMessage, error.ErrorId);
            Assert.StartsWith("The message cannot be read: it is not an OpenMSIStream chunk message:", error.Message);
        }

        [Fact]
        public void ExtraBytesAfterTheArrayAreRejected()
        {
            byte[] value = ValidValue.Concat(new byte[] { 0xc0 }).ToArray();

            var error = Assert.Throws<OpenMsiStreamException>(() => ChunkMessageDeserializer.Deserialize(value));

            Assert.Equal("The message cannot be read: there are extra bytes after the chunk message.", error.Message);
        }

        [Theory]
        [InlineData(new byte[] { }, "The message cannot be read: the value is empty.")]
        [InlineData(new byte[] { 0xa3, 0x61, 0x62, 0x63 }, "The message cannot be read: the value is not a msgpack array.")]
        [InlineData(new byte[] { 0x93, 0x01, 0x02, 0x03 }, "The message cannot be read: the value has 3 fields; a chunk message has 10 (or 9 in the legacy form).")]
        [InlineData(new byte[] { 0x9b, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0 }, "The message cannot be read: the value has 11 fields; a chunk message has 10 (or 9 in the legacy form).")]
        public void ValuesThatAreNotChunkMessagesAreUndecodable(byte[] value, string message)
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => ChunkMessageDeserializer.Deserialize(value));

            Assert.Equal(ErrorIds.UndecodableMessage, error.ErrorId);
            Assert.Equal(message, error.Message);
        }

        [Fact]
        public void AHashThatIsNot64BytesIsRejected()
        {
            byte[] value = Build(fileHash: new byte[32]);

            var error = Assert.Throws<OpenMsiStreamException>(() => ChunkMessageDeserializer.Deserialize(value));

            Assert.Equal("The message cannot be read: field 'file_hash' is not a 64-byte SHA-512 digest.", error.Message);
        }

        [Theory]
        [InlineData(0, 3, "chunk 0 of 3 is not a valid position")]
        [InlineData(4, 3, "chunk 4 of 3 is not a valid position")]
        [InlineData(1, 0, "chunk 1 of 0 is not a valid position")]
        public void ImpossibleChunkPositionsAreRejected(long index, long total, string reason)
        {
            byte[] value = Build(index: index, total: total);

            var error = Assert.Throws<OpenMsiStreamException>(() => ChunkMessageDeserializer.Deserialize(value));

            Assert.Equal($"The message cannot be read: {reason}.", error.Message);
        }

        [Fact]
        public void ANegativeOffsetIsRejected()
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => ChunkMessageDeserializer.Deserialize(Build(offset: -1)));

            Assert.Equal("The message cannot be read: the chunk offset -1 is negative.", error.Message);
        }

        [Fact]
        public void InvalidUtf8InANameIsRejected()
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => ChunkMessageDeserializer.Deserialize(Build(rawFilename: new byte[] { 0x61, 0xff, 0x62 })));

            Assert.Equal(ErrorIds.UndecodableMessage, error.ErrorId);
        }

        [Fact]
        public void TextFieldsWrittenAsBinaryAreReadLikePythonReadsThem()
        {
            DataFileChunk chunk = ChunkMessageDeserializer.Deserialize(Build(rawFilename: "a.dat"u8.ToArray(), filenameAsBinary: true));

            Assert.Equal("a.dat", chunk.Filename);
        }

        [Fact]
        public void AnMtimeOfZeroOrBelowMeansUnknown()
        {
            Assert.Null(ChunkMessageDeserializer.Deserialize(Build(mtime: 0.0)).FileMtime);
            Assert.Null(ChunkMessageDeserializer.Deserialize(Build(mtime: -5.0)).FileMtime);
            Assert.Equal(12.5, ChunkMessageDeserializer.Deserialize(Build(mtime: 12.5)).FileMtime);
        }

        /// <summary>A chunk message with chosen (possibly hostile) fields, written with the msgpack library.</summary>
        internal static byte[] Build(
            byte[]? rawFilename = null,
            bool filenameAsBinary = false,
            byte[]? fileHash = null,
            long offset = 0,
            long index = 1,
            long total = 1,
            string subdirectory = "",
            string append = "",
            byte[]? data = null,
            double mtime = 1.0)
        {
            data ??= new byte[] { 1, 2, 3 };
            byte[] chunkHash = System.Security.Cryptography.SHA512.HashData(data);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            var writer = new MessagePackWriter(buffer);
            writer.WriteArrayHeader(10);
            byte[] name = rawFilename ?? "file.dat"u8.ToArray();
            if (filenameAsBinary)
            {
                writer.Write(name);
            }
            else
            {
                writer.WriteString(name);
            }
            writer.Write(fileHash ?? chunkHash);
            writer.Write(chunkHash);
            writer.Write(offset);
            writer.Write(index);
            writer.Write(total);
            writer.Write(subdirectory);
            writer.Write(append);
            writer.Write(data);
            writer.Write(mtime);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
    }
}
