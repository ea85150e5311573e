namespace OpenMsiStream.Cli.Infrastructure
{
    /// <summary>Process exit codes (documented in the README).</summary>
    internal static class ExitCodes
    {
        /// <summary>Everything asked for was done (a run stopped by Ctrl+C/SIGTERM counts as done).</summary>
        public const int Success = 0;

        /// <summary>The command could not run, or some files failed; stderr says why, one line each.</summary>
        public const int Failed = 1;

        /// <summary>The command line was wrong (System.CommandLine's own parse errors also use this range).</summary>
        public const int Usage = 2;
    }
}
