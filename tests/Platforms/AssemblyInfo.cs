// The lanes start many processes (Wine, Mono, self-contained programs) on a 2-core machine: one test at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
