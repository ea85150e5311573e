using System;
using System.IO;
using System.Text.Json;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Crypto.Data;
using Xunit;

namespace OpenMsiStream.Tests.Crypto.Node
{
    /// <summary>The .seed forward hash chain (primitives.json ratchet_step; transcript steps P1 and C0).</summary>
    public class RatchetTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory("ratchet");

        public static TheoryData<int> RatchetCases => CryptoVectors.Cases("ratchet_step");

        public void Dispose() => _temp.Dispose();

        [Theory]
        [MemberData(nameof(RatchetCases))]
        public void AdvanceRunsWithTheStoredStateAndStoresTheNextOne(int index)
        {
            JsonElement c = CryptoVectors.Case("ratchet_step", index);
            string seed = _temp.WriteFile("node.seed", c.Hex("seed_file_before"));

            RatchetStep step = Ratchet.Advance(seed);

            Assert.Equal(c.GetProperty("running_keyidx").GetInt64(), step.Index);
            Assert.Equal(c.Hex("running_secret"), step.Secret);
            Assert.Equal(c.Hex("seed_file_after"), File.ReadAllBytes(seed));
            Assert.Equal(c.Hex("next_secret"), Ratchet.Step(c.Hex("secret")));
            RatchetStep next = Ratchet.Read(seed);
            Assert.Equal(c.GetProperty("next_idx").GetInt64(), next.Index);
        }

        [Theory]
        [InlineData("kcv_producer")]
        [InlineData("kcv_consumer")]
        public void StartUpStepWritesTheAfterRunSeed(string node)
        {
            // P1 (producer) and C0 (consumer): both step their .seed once at start-up. Works on a copy.
            string folder = CryptoVectors.CopyNode("nodes/provisioned/" + node, _temp.Combine(node));
            string seed = Path.Combine(folder, node + ".seed");
            JsonElement expected = CryptoVectors.Transcript.GetProperty("secrets").GetProperty(node).GetProperty("ratchet_step_at_start");

            RatchetStep step = Ratchet.Advance(seed);

            Assert.Equal(0, step.Index);
            Assert.Equal(expected.Hex("current_secret"), step.Secret);
            Assert.Equal(expected.Hex("seed_file_written"), File.ReadAllBytes(seed));
            Assert.Equal(CryptoVectors.File($"nodes/after_run/{node}/{node}.seed"), File.ReadAllBytes(seed));
        }

        [Fact]
        public void ReadDoesNotChangeTheFileAndAdvanceNeverRepeats()
        {
            string seed = _temp.WriteFile("n.seed", CryptoVectors.Case("ratchet_step", 0).Hex("seed_file_before"));
            byte[] before = File.ReadAllBytes(seed);
            Assert.Equal(0, Ratchet.Read(seed).Index);
            Assert.Equal(before, File.ReadAllBytes(seed));
            Assert.Equal(0, Ratchet.Advance(seed).Index);
            Assert.Equal(1, Ratchet.Advance(seed).Index);
            Assert.Equal(2, Ratchet.Read(seed).Index);
            Assert.Single(Directory.GetFiles(_temp.Path)); // no temporary file left behind
        }

        [Fact]
        public void TheRewrittenSeedIsOwnerOnly()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }
            string seed = _temp.WriteFile("n.seed", CryptoVectors.Case("ratchet_step", 0).Hex("seed_file_before"));
            File.SetUnixFileMode(seed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            Ratchet.Advance(seed);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(seed));
        }

        [Fact]
        public void AMissingSeedIsNotFound()
        {
            string path = _temp.Combine("missing.seed");
            var ex = Assert.Throws<OpenMsiStreamException>(() => Ratchet.Advance(path));
            Assert.Equal(ErrorIds.CryptoNodeNotFound, ex.ErrorId);
            Assert.Contains(path, ex.Message);
        }

        [Theory]
        [InlineData("")]
        [InlineData("c0c1")]
        [InlineData("9200c40400010203")]
        [InlineData("93")]
        [InlineData("92ffc420000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")]
        public void AGarbageSeedIsInvalid(string hex)
        {
            string path = _temp.WriteFile("bad.seed", Convert.FromHexString(hex));
            var ex = Assert.Throws<OpenMsiStreamException>(() => Ratchet.Advance(path));
            Assert.Equal(ErrorIds.CryptoNodeInvalid, ex.ErrorId);
            Assert.Contains(path, ex.Message);
            Assert.Equal(Convert.FromHexString(hex), File.ReadAllBytes(path));
        }
    }
}
