using System;
using System.Threading.Tasks;
using OpenMsiStream.Tests.Cli;
using OpenMsiStream.Tests.Common;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Kafka09
{
    /// <summary>
    /// The newest send of a path wins on a broker that keeps no message timestamps: offsets order the
    /// sends. Before, a copy restored with an older mtime and content going back to an earlier version
    /// were sent and never delivered here.
    /// </summary>
    [Collection(Kafka09Collection.Name)]
    public sealed class Kafka09VersionOrderTests : IDisposable
    {
        private readonly Kafka09Fixture _kafka;
        private readonly TempDirectory _temp = new TempDirectory("kafka09-versions");

        public Kafka09VersionOrderTests(Kafka09Fixture kafka)
        {
            _kafka = kafka;
            _kafka.EnsureBrokerRunning();
        }

        public void Dispose() => _temp.Dispose();

        [Fact]
        public async Task OnKafka09EveryLaterVersionIsDeliveredWhateverItsContentOrMtimeWasBefore()
        {
            string config = _kafka.WriteConfig(_temp.Combine("kafka09.config"));
            await VersionScenario.RunAsync(_temp, config, "versions-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        }
    }
}
