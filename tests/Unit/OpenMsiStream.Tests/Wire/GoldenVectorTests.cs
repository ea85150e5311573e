using System;
using System.IO;
using System.Linq;
using System.Text;
using OpenMsiStream.Chunks;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Tests.Support;
using OpenMsiStream.Upload;
using OpenMsiStream.Wire;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.Wire
{
    /// <summary>Byte-for-byte agreement with OpenMSIStream v1.8.7's own serializer (../shared/vectors/openmsistream).</summary>
    public class GoldenVectorTests
    {
        [Theory]
        [MemberData(nameof(OpenMsiStreamVectors.AllMessages), MemberType = typeof(OpenMsiStreamVectors))]
        public void SerializingTheInputsReproducesTheValueAndKeyBytes(string name)
        {
            VectorMessage vector = OpenMsiStreamVectors.ByName(name);
            var chunk = new DataFileChunk(vector.Filename, Convert.FromHexString(vector.FileSha512), Convert.FromHexString(vector.ChunkSha512),
                vector.Offset, vector.ChunkIndex, vector.TotalChunks, vector.Subdirectory, vector.FilenameAppend, vector.Data, vector.FileMtime);

            Assert.Equal(vector.Value, ChunkMessageSerializer.Serialize(chunk));
            Assert.Equal(vector.Key, Encoding.UTF8.GetBytes(ChunkMessageKey.For(vector.Subdirectory, vector.Filename, vector.ChunkIndex, vector.TotalChunks)));
            Assert.Equal(vector.KeyString, Encoding.UTF8.GetString(vector.Key));
        }

        [Theory]
        [MemberData(nameof(OpenMsiStreamVectors.AllMessages), MemberType = typeof(OpenMsiStreamVectors))]
        public void DeserializingEveryValueRebuildsTheInputs(string name)
        {
            VectorMessage vector = OpenMsiStreamVectors.ByName(name);

            DataFileChunk chunk = ChunkMessageDeserializer.Deserialize(vector.Value);

            Assert.Equal(vector.Filename, chunk.Filename);
            Assert.Equal(vector.FileSha512, Hex.Lower(chunk.FileHash));
            Assert.Equal(vector.ChunkSha512, Hex.Lower(chunk.ChunkHash));
            Assert.Equal(vector.Offset, chunk.Offset);
            Assert.Equal(vector.ChunkIndex, chunk.ChunkIndex);
            Assert.Equal(vector.TotalChunks, chunk.TotalChunks);
            Assert.Equal(vector.Subdirectory, chunk.Subdirectory);
            Assert.Equal(vector.FilenameAppend, chunk.FilenameAppend);
            Assert.Equal(vector.FileMtime, chunk.FileMtime);
            Assert.Equal(vector.Data, chunk.Data.ToArray());
        }

        [Fact]
        public void TheLegacyNineFieldValueDecodesWithoutAnMtimeAndOtherwiseLikeTheCurrentForm()
        {
            VectorMessage legacy = OpenMsiStreamVectors.Legacy;
            Assert.Equal(0x99, legacy.Value[0]);

            DataFileChunk old = ChunkMessageDeserializer.Deserialize(legacy.Value);
            DataFileChunk current = ChunkMessageDeserializer.Deserialize(OpenMsiStreamVectors.ByName("sample_1").Value);

            Assert.Null(old.FileMtime);
            Assert.Equal(current.Filename, old.Filename);
            Assert.Equal(current.FileHash, old.FileHash);
            Assert.Equal(current.ChunkHash, old.ChunkHash);
            Assert.Equal((current.Offset, current.ChunkIndex, current.TotalChunks), (old.Offset, old.ChunkIndex, old.TotalChunks));
            Assert.Equal((current.Subdirectory, current.FilenameAppend), (old.Subdirectory, old.FilenameAppend));
            Assert.Equal(current.Data.ToArray(), old.Data.ToArray());
        }

        [Theory]
        [InlineData("sub/dir/sample.dat", true, "sample")]
        [InlineData("top.bin", true, "top")]
        [InlineData("sub/dir/sample.dat", false, "sample_standalone")]
        public void TheProducerReadingTheInputFilesSendsExactlyTheVectorMessages(string relativePath, bool uploadedWithRoot, string vectorPrefix)
        {
            using var temp = new TempDirectory("vectors");
            string root = CopyInputsWithPinnedMtime(temp);
            string path = Path.Combine(root, relativePath);

            var reader = FileChunkReader.Open(path, FileToSend.Create(path, uploadedWithRoot ? root : null).Subdirectory, 16384, default);
            OutgoingChunk[] chunks = reader.ReadChunks(default).ToArray();

            VectorMessage[] expected = (uploadedWithRoot ? OpenMsiStreamVectors.Messages : OpenMsiStreamVectors.StandaloneMessages)
                .Where(m => m.Name.StartsWith(vectorPrefix + "_", StringComparison.Ordinal) && char.IsDigit(m.Name[vectorPrefix.Length + 1]))
                .OrderBy(m => m.ChunkIndex)
                .ToArray();
            Assert.Equal(expected.Length, chunks.Length);
            for (int i = 0; i < chunks.Length; i++)
            {
                Assert.Equal(expected[i].Key, chunks[i].Key);
                Assert.Equal(expected[i].Value, chunks[i].Value);
            }
        }

        [Fact]
        public void AnEmptyFileIsSentAsOneEmptyChunkThatOpenMsiStreamRebuilds()
        {
            using var temp = new TempDirectory("vectors");
            string root = CopyInputsWithPinnedMtime(temp);

            var reader = FileChunkReader.Open(Path.Combine(root, "empty.txt"), "", 16384, default);
            OutgoingChunk only = Assert.Single(reader.ReadChunks(default));
            DataFileChunk chunk = ChunkMessageDeserializer.Deserialize(only.Value);

            string sha512OfNothing = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
            Assert.Equal("_empty.txt_chunk_1_of_1", Encoding.UTF8.GetString(only.Key));
            Assert.Equal((0L, 1, 1, 0), (chunk.Offset, chunk.ChunkIndex, chunk.TotalChunks, chunk.Data.Length));
            Assert.Equal(sha512OfNothing, Hex.Lower(chunk.FileHash));
            Assert.Equal(sha512OfNothing, Hex.Lower(chunk.ChunkHash));
            Assert.Equal(OpenMsiStreamVectors.PinnedMtime, chunk.FileMtime);
        }

        /// <summary>The mtime is part of the value bytes, so the copies get the vectors' pinned mtime.</summary>
        private static string CopyInputsWithPinnedMtime(TempDirectory temp)
        {
            string root = temp.Combine("root");
            DateTime pinned = DateTime.UnixEpoch.AddSeconds(OpenMsiStreamVectors.PinnedMtime);
            foreach (string file in Directory.GetFiles(OpenMsiStreamVectors.InputRoot, "*", SearchOption.AllDirectories))
            {
                string copy = Path.Combine(root, Path.GetRelativePath(OpenMsiStreamVectors.InputRoot, file));
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(file, copy);
                File.SetLastWriteTimeUtc(copy, pinned);
            }
            return root;
        }
    }
}
