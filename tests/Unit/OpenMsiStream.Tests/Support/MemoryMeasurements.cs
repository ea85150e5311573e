using Xunit;

namespace OpenMsiStream.Tests.Support
{
    /// <summary>
    /// Tests that measure the process's live managed memory (GC.GetTotalMemory) while something streams.
    /// The figure is process-wide, so they run when no other test of the assembly does: xunit runs
    /// collections that disable parallelization after all the parallel ones, one at a time. Run in
    /// parallel, another test's allocations were counted as theirs.
    /// </summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class MemoryMeasurements
    {
        public const string Name = "Memory measurements (alone in the process)";
    }
}
