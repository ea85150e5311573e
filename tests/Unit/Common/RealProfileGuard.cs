using System;
using System.Collections.Generic;
using Xunit;

namespace OpenMsiStream.Tests.Common
{
    /// <summary>
    /// Not run in parallel with anything: xunit runs such collections after all the parallel ones, so
    /// this test sees what every other test of the assembly did.
    /// </summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class RealProfileGuardCollection
    {
        public const string Name = "Real profile guard (runs last)";
    }

    /// <summary>Fails the run when a test wrote into the user's real profile (see <see cref="TestHome"/>).</summary>
    [Collection(RealProfileGuardCollection.Name)]
    public sealed class RealProfileGuard
    {
        [Fact]
        public void NoTestWroteIntoTheRealProfile()
        {
            Assert.NotEqual(TestHome.RealHome, Environment.GetEnvironmentVariable("HOME"));
            IReadOnlyList<string> changes = TestHome.ChangesInRealProfile();
            Assert.True(changes.Count == 0, $"Written into the real profile ({TestHome.RealHome}) while the tests ran:\n" + string.Join("\n", changes));
        }
    }
}
