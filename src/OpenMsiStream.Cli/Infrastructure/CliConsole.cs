using System;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace OpenMsiStream.Cli.Infrastructure
{
    /// <summary>
    /// How the CLI talks to people: results on stdout, one line each; problems on stderr, one line
    /// each, starting with the stable error id so scripts can match them. Names come from producers, so
    /// every line is printed with its control characters escaped (<see cref="PrintableText"/>): one line
    /// stays one line, and nothing reaches the terminal as a control sequence.
    /// </summary>
    internal static class CliConsole
    {
        private static readonly object Gate = new object();

        public static void Line(string text)
        {
            lock (Gate)
            {
                Console.Out.WriteLine(PrintableText.Escape(text));
            }
        }

        public static void Error(OpenMsiStreamException error) => ErrorLine($"error {error.ErrorId}: {OneLine(error.Message)}");

        public static void Warning(string text) => ErrorLine("warning: " + OneLine(text));

        public static void ErrorLine(string text)
        {
            lock (Gate)
            {
                Console.Error.WriteLine("openmsistream: " + PrintableText.Escape(text));
            }
        }

        /// <summary>
        /// A table or other rich output. Colours only on a terminal: output redirected to a file or a
        /// pipe (or NO_COLOR set) gets plain text, not escape codes.
        /// </summary>
        public static void Write(IRenderable renderable)
        {
            lock (Gate)
            {
                bool plain = Console.IsOutputRedirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
                IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
                {
                    Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
                    ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
                    Out = new AnsiConsoleOutput(Console.Out),
                });
                console.Write(renderable);
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
