using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Confluent.Kafka;
using OpenMsiStream.Crypto.Runtime;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.Crypto.Runtime
{
    public class UndecryptableMessageStoreTests
    {
        [Fact]
        public void MessagesProducedInTheSameMillisecondAreAllKeptAndTheFirstHasOpenMsiStreamsName()
        {
            using var temp = new TempDirectory("undecryptable");
            var sameMillisecond = new Timestamp(new DateTime(2026, 12, 1, 10, 30, 15, 123, DateTimeKind.Utc), TimestampType.CreateTime);

            string[] kept = Enumerable.Range(0, 4).Select(i => UndecryptableMessageStore.Save(temp.Path, "kcv", new[] { (byte)i }, new[] { (byte)(100 + i) }, sameMillisecond)).ToArray();

            Assert.Equal(4, kept.Distinct().Count());
            string local = sameMillisecond.UtcDateTime.ToLocalTime().ToString("MMM_dd_yyyy_'at'_HH_mm_ss_ffffff", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"encrypted_message_from_kcv_produced_on_{local}_value.bin", Path.GetFileName(kept[0]));
            var listed = UndecryptableMessageStore.List(temp.Path);
            Assert.Equal(4, listed.Count);
            Assert.Equal(new[] { 0, 1, 2, 3 }, listed.Select(m => (int)File.ReadAllBytes(m.KeyFile)[0]).OrderBy(b => b));
            Assert.All(listed, m => Assert.Equal(File.ReadAllBytes(m.KeyFile)[0] + 100, File.ReadAllBytes(m.ValueFile!)[0]));
        }

        [Fact]
        public void TwoReceiversSavingIntoOneDirectoryAtOnceLoseNothing()
        {
            using var temp = new TempDirectory("undecryptable");
            var sameMillisecond = new Timestamp(new DateTime(2026, 12, 1, 10, 30, 15, 123, DateTimeKind.Utc), TimestampType.CreateTime);

            Parallel.For(0, 64, i => UndecryptableMessageStore.Save(temp.Path, "kcv", new[] { (byte)i }, new[] { (byte)i }, sameMillisecond));

            var listed = UndecryptableMessageStore.List(temp.Path);
            Assert.Equal(Enumerable.Range(0, 64), listed.Select(m => (int)File.ReadAllBytes(m.KeyFile)[0]).OrderBy(b => b));
            Assert.All(listed, m => Assert.Equal(File.ReadAllBytes(m.KeyFile), File.ReadAllBytes(m.ValueFile!)));
        }
    }
}
