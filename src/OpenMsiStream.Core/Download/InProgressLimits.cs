namespace OpenMsiStream.Download
{
    /// <summary>
    /// How much a receiver holds for files that are not complete yet. The defaults are far above what
    /// busy producers leave in progress (an uploader has up to 256 files in flight) and far below what
    /// exhausts a lab server: 10,000 never-finished files cost about 30 MB of memory and 50 MB of
    /// staging (a flood of 40,000 cost 114 MB and 192 MB before there was a bound).
    /// </summary>
    public static class InProgressLimits
    {
        public const int DefaultMaxFiles = 10_000;

        public const long DefaultMaxBytes = 64L * 1024 * 1024 * 1024;
    }
}
