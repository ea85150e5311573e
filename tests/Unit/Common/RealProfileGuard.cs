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

    /// <summary>
    /// Fails the run when something was written into the user's real profile while the tests ran (see
    /// <see cref="TestHome"/>). Only where this run is alone on the machine (CI, which sets CI=true, or
    /// OPENMSISTREAM_PROFILE_GUARD=strict) can such a write be told apart from another program's: on a
    /// shared development machine another checkout's test run writes there too, so there the finding
    /// is printed by the Pester runner and left to the reader.
    /// </summary>
    [Collection(RealProfileGuardCollection.Name)]
    public sealed class RealProfileGuard
    {
        [Fact]
        public void NoTestWroteIntoTheRealProfile()
        {
            Assert.NotEqual(TestHome.RealHome, Environment.GetEnvironmentVariable("HOME"));
            Assert.StartsWith(TestHome.Path, Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), StringComparison.Ordinal);
            IReadOnlyList<string> changes = TestHome.ChangesInRealProfile();
            if (TestHome.AloneOnTheMachine)
            {
                Assert.True(changes.Count == 0, $"Written into the real profile ({TestHome.RealHome}) while the tests ran:\n" + string.Join("\n", changes));
            }
        }
    }
}
