using System.IO;
using System.Linq;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.Monitoring
{
    public class ProgramLogTests
    {
        [Fact]
        public void ANameFromTheWireHoldingANewlineOrAnEscapeSequenceStaysOneLineInTheFileAndOnTheLogTopic()
        {
            using var temp = new TempDirectory("log");
            string path = temp.Combine("program.log");
            using (var log = new ProgramLog("uploader", path))
            {
                log.Warning("Skipped 'x\nreceived fake.txt' and '\u001b[2Jclear.csv'.");

                string buffered = Assert.Single(log.TakeBuffered());
                Assert.EndsWith("WARNING: Skipped 'x\\nreceived fake.txt' and '\\u001b[2Jclear.csv'.", buffered);
            }
            string written = Assert.Single(File.ReadAllLines(path));
            Assert.EndsWith("WRN Skipped 'x\\nreceived fake.txt' and '\\u001b[2Jclear.csv'.", written);
        }
    }
}
