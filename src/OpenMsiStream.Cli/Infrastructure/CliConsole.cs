using System;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Cli.Infrastructure
{
    /// <summary>
    /// How the CLI talks to people: results on stdout, one line each; problems on stderr, one line
    /// each, starting with the stable error id so scripts can match them.
    /// </summary>
    internal static class CliConsole
    {
        private static readonly object Gate = new object();

        public static void Line(string text)
        {
            lock (Gate)
            {
                Console.Out.WriteLine(text);
            }
        }

        public static void Error(OpenMsiStreamException error) => ErrorLine($"error {error.ErrorId}: {OneLine(error.Message)}");

        public static void Warning(string text) => ErrorLine("warning: " + OneLine(text));

        public static void ErrorLine(string text)
        {
            lock (Gate)
            {
                Console.Error.WriteLine("openmsistream: " + text);
            }
        }

        /// <summary>With --verbose, librdkafka's own messages go to stderr.</summary>
        public static ClientDiagnostics Diagnostics(bool verbose)
        {
            var diagnostics = new ClientDiagnostics();
            if (verbose)
            {
                diagnostics.Message += message => ErrorLine(message.ToString());
            }
            return diagnostics;
        }

        public static string OneLine(string text) => text.Replace("\r", " ").Replace("\n", " ");
    }
}
