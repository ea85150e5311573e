using System;
using System.IO;
using System.Text.Json;

namespace XrdPlot
{
    /// <summary>
    /// <c>xrdplot INPUT.csv OUTPUT.png</c>. Exit code 0 with the PNG written; otherwise 1 (2 for wrong
    /// usage) with one line on stderr and nothing written. That line is what `openmsistream process`
    /// shows and records for a failed file, so it names the file and the problem.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length != 2)
            {
                Console.Error.WriteLine("usage: xrdplot <input.csv> <output.png>");
                return 2;
            }
            string input = args[0], output = args[1];
            try
            {
                // Parsed completely before anything is written.
                XrdScan scan = XrdScan.Load(input);
                XrdPlotter.SavePng(scan, Path.GetFileName(input), output);
                // One JSON document on stdout: with --result-topic (-ResultTopic) it becomes the file's result message.
                Console.WriteLine(JsonSerializer.Serialize(new { plot = Path.GetFullPath(output), sampleId = scan.SampleId, points = scan.Angles.Length }));
                return 0;
            }
            catch (Exception ex) when (ex is FormatException || ex is IOException || ex is UnauthorizedAccessException)
            {
                Console.Error.WriteLine("xrdplot: " + ex.Message);
                return 1;
            }
        }
    }
}
