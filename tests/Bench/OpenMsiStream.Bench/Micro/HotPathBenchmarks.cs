using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using BenchmarkDotNet.Attributes;
using OpenMsiStream.Chunks;
using OpenMsiStream.Download;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Bench.Micro
{
    /// <summary>
    /// The hot parts on their own: reading and hashing a file into chunk messages (sender), decoding
    /// and verifying a chunk message (receiver), and writing chunks into the staging file (receiver).
    /// Run with `dotnet run -c Release --project tests/Bench/OpenMsiStream.Bench -- micro --filter '*'`.
    /// </summary>
    [MemoryDiagnoser]
    public class HotPathBenchmarks
    {
        private const int ChunkSize = 512 * 1024;
        private const long FileLength = 64L << 20;
        private string _directory = string.Empty;
        private string _file = string.Empty;
        private byte[] _message = Array.Empty<byte>();
        private DataFileChunk _chunk = null!;
        private byte[] _data = Array.Empty<byte>();

        [GlobalSetup]
        public void Setup()
        {
            _directory = Path.Combine(Path.GetTempPath(), "openmsistream-micro-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(_directory);
            _file = Path.Combine(_directory, "source.dat");
            byte[] content = new byte[FileLength];
            new Random(3).NextBytes(content);
            File.WriteAllBytes(_file, content);
            _data = content.AsSpan(0, ChunkSize).ToArray();
            byte[] hash = SHA512.HashData(_data);
            _chunk = new DataFileChunk("source.dat", SHA512.HashData(content), hash, 0, 1, 128, "sub/dir", string.Empty, _data, 1700000000.0);
            _message = ChunkMessageSerializer.Serialize(_chunk);
        }

        [GlobalCleanup]
        public void Cleanup() => Directory.Delete(_directory, recursive: true);

        /// <summary>Sender: 64 MiB read, hashed (file and chunks) and turned into 128 messages.</summary>
        [Benchmark]
        public long ChunkAndHashFile()
        {
            using FileChunkReader reader = FileChunkReader.Open(_file, string.Empty, ChunkSize, CancellationToken.None);
            long total = 0;
            foreach (OutgoingChunk chunk in reader.ReadChunks(CancellationToken.None))
            {
                total += chunk.Value.Length;
                ChunkBufferPool.Shared.Return(chunk.Value); // as the sender does once librdkafka copied it
            }
            return total;
        }

        /// <summary>One 512 KiB chunk message through the public serializer (tools and tests; the sender reads straight into pooled message buffers instead).</summary>
        [Benchmark]
        public int SerializeChunk() => ChunkMessageSerializer.Serialize(_chunk).Length;

        /// <summary>Receiver: one 512 KiB chunk message decoded and its chunk hash checked.</summary>
        [Benchmark]
        public int DeserializeAndVerifyChunk() => ChunkMessageDeserializer.Deserialize(_message).Data.Length;

        /// <summary>Receiver: 128 chunks written into a staging file and the whole file hashed.</summary>
        [Benchmark]
        public int ReassembleOnDisk()
        {
            string staging = Path.Combine(_directory, "staging-" + Guid.NewGuid().ToString("N"));
            using var store = new DiskChunkStore(staging, "s");
            for (long offset = 0; offset < FileLength; offset += ChunkSize)
            {
                store.Write(offset, _data, completesFile: offset + ChunkSize >= FileLength);
            }
            int length = store.ComputeHash(FileLength).Length;
            store.Discard();
            return length;
        }
    }
}
