using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace OpenMsiStream.Bench.Support
{
    /// <summary>This benchmark's own executable, to run its plain-client modes in processes of their own.</summary>
    internal static class BenchExecutable
    {
        private static readonly bool ThroughDotnet = System.IO.Path.GetFileNameWithoutExtension(Environment.ProcessPath ?? "dotnet") == "dotnet";

        public static string Path => Environment.ProcessPath ?? "dotnet";

        public static IEnumerable<string> Arguments(IEnumerable<string> arguments) =>
            ThroughDotnet ? new[] { typeof(BenchExecutable).Assembly.Location }.Concat(arguments) : arguments;
    }
}
