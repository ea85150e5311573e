using OpenMsiStream.Diagnostics;

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

        /// <summary>The exit code of a command that stopped with this error: its id's kind says whether the command line was wrong.</summary>
        public static int Of(OpenMsiStreamException error) => error.Kind == ErrorKind.InvalidArgument ? Usage : Failed;
    }
}
