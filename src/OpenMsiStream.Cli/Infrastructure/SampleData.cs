using System;
using System.IO;
using System.Text;

namespace OpenMsiStream.Cli.Infrastructure
{
    /// <summary>A small, varied set of files for the quickstart: text and binary, nested, empty, non-ASCII names.</summary>
    internal static class SampleData
    {
        public static void Write(string directory)
        {
            var random = new Random(20261124);
            WriteText(Path.Combine(directory, "spectra", "run 01.csv"), Spectrum(random, 2000));
            WriteText(Path.Combine(directory, "spectra", "run 02.csv"), Spectrum(random, 3000));
            WriteText(Path.Combine(directory, "notes; Probe ü.txt"), "Sample mounted at 14:05, beam current 100 mA.\nZweite Zeile: Prüfung bestanden.\n");
            WriteBytes(Path.Combine(directory, "images", "detector frame.bin"), random, 1536 * 1024 + 17);
            WriteBytes(Path.Combine(directory, "raw", "scan 0001.raw"), random, 3 * 1024 * 1024);
            WriteBytes(Path.Combine(directory, "empty.dat"), random, 0);
        }

        private static string Spectrum(Random random, int points)
        {
            var text = new StringBuilder("two_theta_deg,intensity_counts\n");
            for (int i = 0; i < points; i++)
            {
                text.Append((10 + i * 0.02).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture))
                    .Append(',')
                    .Append(random.Next(100, 5000))
                    .Append('\n');
            }
            return text.ToString();
        }

        private static void WriteText(string path, string text)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text, new UTF8Encoding(false));
        }

        private static void WriteBytes(string path, Random random, int length)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = new byte[length];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
        }
    }
}
