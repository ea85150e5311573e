using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using OpenMsiStream.Chunks;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Wire;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.Chunks
{
    [Collection(Support.MemoryMeasurements.Name)]
    public class FileChunkReaderTests
    {
        [Theory]
        [InlineData(0, 1024, 1)]
        [InlineData(1, 1024, 1)]
        [InlineData(1024, 1024, 1)]
        [InlineData(4096, 1024, 4)]
        [InlineData(4097, 1024, 5)]
        public void FilesSplitIntoChunksThatRebuildThemExactly(int length, int chunkSize, int expectedChunks)
        {
            using var temp = new TempDirectory("chunks");
            byte[] content = TestData.Bytes(length);
            string path = temp.WriteFile("data.bin", content);

            var reader = FileChunkReader.Open(path, "", chunkSize, default);
            DataFileChunk[] chunks = reader.ReadChunks(default).Select(c => ChunkMessageDeserializer.Deserialize(c.Value)).ToArray();

            Assert.Equal(expectedChunks, reader.ChunkCount);
            Assert.Equal(expectedChunks, chunks.Length);
            Assert.Equal(Enumerable.Range(1, expectedChunks), chunks.Select(c => c.ChunkIndex));
            Assert.All(chunks, c => Assert.Equal(expectedChunks, c.TotalChunks));
            Assert.Equal(Enumerable.Range(0, expectedChunks).Select(i => (long)i * chunkSize), chunks.Select(c => c.Offset));
            Assert.All(chunks.Take(expectedChunks - 1), c => Assert.Equal(chunkSize, c.Data.Length));
            Assert.Equal(content, chunks.SelectMany(c => c.Data.ToArray()).ToArray());
            Assert.All(chunks, c => Assert.Equal(TestData.Sha512Hex(content), Hex.Lower(c.FileHash)));
        }

        [Fact]
        public void AMultiGigabyteFileStreamsThroughWithMemoryThatDoesNotGrowWithItsSize()
        {
            using var temp = new TempDirectory("sparse");
            string path = temp.Combine("sparse.raw");
            const long length = (2L << 30) + 1; // 2 GiB and one byte: 4097 chunks of 512 KiB
            using (var stream = new FileStream(path, FileMode.CreateNew))
            {
                stream.SetLength(length); // sparse: no disk space used
            }
            long baseline = GC.GetTotalMemory(forceFullCollection: true);
            long peakLive = 0;
            int count = 0;
            long bytes = 0;
            DataFileChunk? first = null, last = null;

            var reader = FileChunkReader.Open(path, "", ChunkSizeRules.Default, default);
            foreach (OutgoingChunk outgoing in reader.ReadChunks(default))
            {
                Assert.Equal(++count, outgoing.ChunkIndex);
                bytes += outgoing.DataLength;
                if (count == 1 || count == 4097)
                {
                    DataFileChunk chunk = ChunkMessageDeserializer.Deserialize(outgoing.Value);
                    first ??= chunk;
                    last = chunk;
                }
                if (count % 512 == 0)
                {
                    peakLive = Math.Max(peakLive, GC.GetTotalMemory(forceFullCollection: true) - baseline);
                }
            }

            Assert.Equal(4097, count);
            Assert.Equal(length, bytes);
            Assert.Equal((0L, 4097), (first!.Offset, first.TotalChunks));
            Assert.Equal((length - 1, 1), (last!.Offset, last.Data.Length));
            Assert.True(peakLive < 16L * 1024 * 1024, $"live managed memory grew by {peakLive} bytes while streaming a 2 GiB file");
        }

        [Fact]
        public void AFileChangedBetweenHashingAndSendingIsDetected()
        {
            using var temp = new TempDirectory("chunks");
            byte[] content = TestData.Bytes(5000);
            string path = temp.WriteFile("growing.csv", content);
            var reader = FileChunkReader.Open(path, "", 1024, default);

            content[3000] ^= 0x55;
            File.WriteAllBytes(path, content);
            var error = Assert.Throws<OpenMsiStreamException>(() => reader.ReadChunks(default).ToList());

            Assert.Equal(ErrorIds.FileChangedDuringSend, error.ErrorId);
            Assert.Equal($"File '{path}' changed while it was being sent (chunk 3 differs from the first read) and was not sent completely. Send it again once it is complete.", error.Message);
        }

        [Fact]
        public void AFileReplacedByARenameBetweenHashingAndSendingIsSentAsTheVersionThatWasHashed()
        {
            // Both reads go through the handle the first one opened: the replaced version is still what it reads.
            using var temp = new TempDirectory("chunks");
            byte[] hashed = TestData.Bytes(5000, seed: 1), replacement = TestData.Bytes(7000, seed: 2);
            string path = temp.WriteFile("scan.raw", hashed);
            using FileChunkReader reader = FileChunkReader.Open(path, "", 1024, default);

            File.Move(temp.WriteFile("scan.raw.tmp", replacement), path, overwrite: true);
            DataFileChunk[] chunks = reader.ReadChunks(default).Select(c => ChunkMessageDeserializer.Deserialize(c.Value)).ToArray();

            Assert.Equal(hashed, chunks.SelectMany(c => c.Data.ToArray()).ToArray());
            Assert.All(chunks, c => Assert.Equal(TestData.Sha512Hex(hashed), Hex.Lower(c.FileHash)));
            Assert.All(chunks, c => Assert.Equal(5, c.TotalChunks));
            Assert.Equal(replacement, File.ReadAllBytes(path));
        }

        [Fact]
        public void AOneChunkFileRewrittenInPlaceWithItsSizeAndMtimeUnchangedIsDetected()
        {
            // What a read overlapping an in-place rewrite sees: other bytes, the same size and mtime (the
            // kernel set the mtime when the write started, before the first read).
            using var temp = new TempDirectory("chunks");
            byte[] content = TestData.Bytes(300_000, seed: 1);
            string path = temp.WriteFile("spectrum.csv", content);
            DateTime mtime = File.GetLastWriteTimeUtc(path);
            var reader = FileChunkReader.Open(path, "", 524288, default);

            content[150_000] ^= 0x55;
            File.WriteAllBytes(path, content);
            File.SetLastWriteTimeUtc(path, mtime);
            var error = Assert.Throws<OpenMsiStreamException>(() => reader.ReadChunks(default).ToList());

            Assert.Equal(ErrorIds.FileChangedDuringSend, error.ErrorId);
            Assert.Equal($"File '{path}' changed while it was being sent (it differs from the first read) and was not sent completely. Send it again once it is complete.", error.Message);
        }

        [Fact]
        public void AFileWhoseStateIsNoLongerTheOneThatSettledIsNotRead()
        {
            // A rewrite started after the uploader found the file settled: the kernel has set the new mtime,
            // the new bytes may not be there yet. Sending now would send the old bytes under the new mtime.
            using var temp = new TempDirectory("chunks");
            string path = temp.WriteFile("tick.csv", TestData.Bytes(4000, seed: 1));
            FileState settled = FileState.Of(path);
            File.SetLastWriteTimeUtc(path, settled.LastWriteTimeUtc.AddSeconds(2));

            var error = Assert.Throws<OpenMsiStreamException>(() => FileChunkReader.Open(path, "", 1024, default, settled));

            Assert.Equal(ErrorIds.FileChangedDuringSend, error.ErrorId);
            Assert.Equal($"File '{path}' changed while it was being sent (it changed after it had settled) and was not sent completely. Send it again once it is complete.", error.Message);
            using FileChunkReader settledReader = FileChunkReader.Open(path, "", 1024, default, FileState.Of(path));
            Assert.Equal(4, settledReader.ChunkCount);
        }

        [Fact]
        public void AOneChunkFileCarriesItsFileHashAsItsChunkHash()
        {
            using var temp = new TempDirectory("chunks");
            byte[] content = TestData.Bytes(3000, seed: 4);
            string path = temp.WriteFile("one.csv", content);

            OutgoingChunk only = FileChunkReader.Open(path, "", 4096, default).ReadChunks(default).Single();
            DataFileChunk chunk = ChunkMessageDeserializer.Deserialize(only.Value);

            Assert.Equal(SHA512.HashData(content), chunk.FileHash);
            Assert.Equal(SHA512.HashData(content), chunk.ChunkHash);
            Assert.Equal(content, chunk.Data.ToArray());
        }

        [Fact]
        public void AFileTruncatedBeforeSendingIsDetected()
        {
            using var temp = new TempDirectory("chunks");
            string path = temp.WriteFile("shrinking.csv", TestData.Bytes(5000));
            var reader = FileChunkReader.Open(path, "", 1024, default);

            File.WriteAllBytes(path, TestData.Bytes(100));
            var error = Assert.Throws<OpenMsiStreamException>(() => reader.ReadChunks(default).ToList());

            Assert.Equal(ErrorIds.FileChangedDuringSend, error.ErrorId);
            Assert.Contains("became shorter", error.Message);
        }

        [Fact]
        public void AMissingFileIsReportedByName()
        {
            using var temp = new TempDirectory("chunks");
            string path = temp.Combine("vanished.dat");

            var error = Assert.Throws<OpenMsiStreamException>(() => FileChunkReader.Open(path, "", 1024, default));

            Assert.Equal(ErrorIds.FileNotFound, error.ErrorId);
            Assert.Equal($"File '{path}' does not exist.", error.Message);
        }
    }

    public class ChunkSizeRulesTests
    {
        [Theory]
        [InlineData(0)]
        [InlineData(-4096)]
        [InlineData(1000)]
        [InlineData(524289)]
        public void ChunkSizesThatAreNotPowersOfTwoAreRejected(int size)
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => ChunkSizeRules.Validate(size));

            Assert.Equal(ErrorIds.InvalidChunkSize, error.ErrorId);
            Assert.Equal($"Chunk size {size} is not a power of two. Use a power of two such as 524288 (the default), 262144 or 16384.", error.Message);
        }

        [Fact]
        public void AChunkSizeThatDoesNotFitTheMessageLimitIsRejectedWithTheLargestThatFits()
        {
            var error = Assert.Throws<OpenMsiStreamException>(() => ChunkSizeRules.Validate(1048576));

            Assert.Equal("Chunk size 1048576 does not fit in a Kafka message: message.max.bytes is 1000000 and a chunk needs up to 2048 more bytes for its header. " +
                "Use 524288 or smaller, or raise message.max.bytes on the producer and on the broker or topic.", error.Message);
        }

        [Fact]
        public void ALargerChunkSizeIsAcceptedWhenTheMessageLimitIsRaised()
        {
            ChunkSizeRules.Validate(1048576, messageMaxBytes: 2000000);
            ChunkSizeRules.Validate(ChunkSizeRules.Default);
            ChunkSizeRules.Validate(1);
        }
    }
}
