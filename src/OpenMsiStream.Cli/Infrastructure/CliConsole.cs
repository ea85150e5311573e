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

        /// <summary>How wide rich output may be when it goes to a file or a pipe.</summary>
        private const int RedirectedWidth = 1000;

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
        /// pipe (or NO_COLOR set) gets plain text, not escape codes, and rows as wide as they need (a
        /// script reads one row per line), not wrapped at 80 columns.
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
                if (Console.IsOutputRedirected)
                {
                    console.Profile.Width = RedirectedWidth;
                }
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

        /// <summary>A table cell holding text as it is: no markup, control characters escaped (names come from producers).</summary>
        public static Text Cell(string text) => new Text(PrintableText.Escape(text));

        public static string OneLine(string text) => text.Replace("\r", " ").Replace("\n", " ");
    }
}
