using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading.Tasks;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Diagnostics;
using Xunit;

namespace OpenMsiStream.Tests.Crypto.Data
{
    /// <summary>What is and is not KafkaCrypto data, and what a wrong key or a flipped bit does.</summary>
    public class EncryptedItemTests
    {
        private static readonly byte[] Secret = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        private static readonly KeyIndex Index = KeyIndex.FromBytes(Enumerable.Repeat((byte)0xAB, 32).ToArray());

        private static byte[] Sample() => new TopicEncryptor("kcv", Index, Secret).EncryptValue(System.Text.Encoding.UTF8.GetBytes("hello world"));

        [Fact]
        public void AWellFormedItemParses()
        {
            Assert.True(EncryptedItem.TryParse(Sample(), out EncryptedItem? item));
            Assert.Equal(Index, item!.KeyIndex);
            Assert.Equal(new byte[16], item.Salt);
            Assert.Equal(11 + 16, item.Ciphertext.Length);
        }

        [Fact]
        public void AnotherMagicByteIsNotKafkaCryptoData()
        {
            byte[] wire = Sample();
            wire[0] = 0x02;
            Assert.False(EncryptedItem.TryParse(wire, out EncryptedItem? item));
            Assert.Null(item);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(4)]
        public void AnArrayOfAnotherLengthIsNotKafkaCryptoData(int length)
        {
            var writer = new MsgWriter().Raw(new byte[] { 0x01 }).ArrayHeader(length);
            for (int i = 0; i < length; i++)
            {
                writer.Bin(new byte[16 + i]);
            }
            Assert.False(EncryptedItem.TryParse(writer.ToArray(), out _));
        }

        [Fact]
        public void TruncatedBytesAreNotKafkaCryptoData()
        {
            byte[] wire = Sample();
            for (int length = 0; length < wire.Length; length++)
            {
                Assert.False(EncryptedItem.TryParse(wire.Take(length).ToArray(), out _));
            }
        }

        [Fact]
        public void PlainTextAndTrailingBytesAreNotKafkaCryptoData()
        {
            Assert.False(EncryptedItem.TryParse(System.Text.Encoding.UTF8.GetBytes("plain text"), out _));
            Assert.False(EncryptedItem.TryParse(Sample().Concat(new byte[] { 0 }).ToArray(), out _));
            Assert.False(EncryptedItem.TryParse(Array.Empty<byte>(), out _));
            Assert.False(EncryptedItem.TryParse(new byte[] { 0x01 }, out _));
        }

        [Fact]
        public void ItemsOfTheWrongKindOrSizeAreNotKafkaCryptoData()
        {
            byte[] Build(Action<MsgWriter> keyIndex, byte[] salt, byte[] box)
            {
                var w = new MsgWriter().Raw(new byte[] { 0x01 }).ArrayHeader(3);
                keyIndex(w);
                return w.Bin(salt).Bin(box).ToArray();
            }

            Assert.True(EncryptedItem.TryParse(Build(w => w.Int(5), new byte[16], new byte[16]), out EncryptedItem? shortIndex));
            Assert.Equal(KeyIndex.FromNumber(5), shortIndex!.KeyIndex);
            Assert.False(EncryptedItem.TryParse(Build(w => w.Nil(), new byte[16], new byte[16]), out _));
            Assert.False(EncryptedItem.TryParse(Build(w => w.Bin(new byte[32]), new byte[15], new byte[16]), out _));
            Assert.False(EncryptedItem.TryParse(Build(w => w.Bin(new byte[32]), new byte[16], new byte[15]), out _));
            Assert.False(EncryptedItem.TryParse(Build(w => w.Float64(1.5), new byte[16], new byte[16]), out _));
        }

        [Fact]
        public void AFlippedCiphertextBitFailsTheMac()
        {
            Assert.True(EncryptedItem.TryParse(Sample(), out EncryptedItem? item));
            Assert.NotNull(TopicDecryptor.Decrypt(item!, Secret, forKafkaKey: false));
            for (int bit = 0; bit < item!.Ciphertext.Length * 8; bit += 13)
            {
                byte[] tampered = (byte[])item.Ciphertext.Clone();
                tampered[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.Null(TopicDecryptor.Decrypt(new EncryptedItem(item.KeyIndex, item.Salt, tampered), Secret, forKafkaKey: false));
            }
        }

        [Fact]
        public void AWrongSecretOrSaltFailsTheMac()
        {
            Assert.True(EncryptedItem.TryParse(Sample(), out EncryptedItem? item));
            byte[] other = (byte[])Secret.Clone();
            other[0] ^= 1;
            Assert.Null(TopicDecryptor.Decrypt(item!, other, forKafkaKey: false));
            byte[] salt = (byte[])item!.Salt.Clone();
            salt[0] = 1;
            Assert.Null(TopicDecryptor.Decrypt(new EncryptedItem(item.KeyIndex, salt, item.Ciphertext), Secret, forKafkaKey: false));
        }

        [Fact]
        public void KeysAndValuesCountSeparately()
        {
            var encryptor = new TopicEncryptor("kcv", Index, Secret);
            byte[] v0 = encryptor.EncryptValue(new byte[] { 1 });
            byte[] v1 = encryptor.EncryptValue(new byte[] { 1 });
            byte[] k0 = encryptor.EncryptKey(new byte[] { 1 });
            Assert.True(EncryptedItem.TryParse(v1, out EncryptedItem? value1));
            Assert.True(EncryptedItem.TryParse(k0, out EncryptedItem? key0));
            Assert.Equal(1, value1!.Salt[0]);
            Assert.Equal(0, key0!.Salt[0]);
            Assert.NotEqual(v0, v1);
        }

        [Fact]
        public void ConcurrentCallersNeverShareASalt()
        {
            var encryptor = new TopicEncryptor("kcv", Index, Secret);
            var salts = new ConcurrentBag<string>();
            Parallel.For(0, 2000, _ =>
            {
                Assert.True(EncryptedItem.TryParse(encryptor.EncryptValue(new byte[] { 42 }), out EncryptedItem? item));
                salts.Add(Hex.Lower(item!.Salt));
            });
            Assert.Equal(2000, salts.Distinct().Count());
        }

        [Fact]
        public void NullIsNeverEncrypted()
        {
            var encryptor = new TopicEncryptor("kcv", Index, Secret);
            Assert.Throws<ArgumentNullException>(() => encryptor.EncryptKey(null!));
        }
    }
}
