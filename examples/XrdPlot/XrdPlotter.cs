using System;
using System.IO;
using System.Linq;
using ScottPlot;
using SkiaSharp;

namespace XrdPlot
{
    /// <summary>Draws an <see cref="XrdScan"/> as a line plot and saves it as a PNG.</summary>
    public static class XrdPlotter
    {
        /// <summary>A fixed size, so every plot of a run can be compared side by side (and the tests know what to expect).</summary>
        public const int Width = 1000;
        public const int Height = 600;

        public static void SavePng(XrdScan scan, string fallbackTitle, string outputPath)
        {
            var plot = new Plot();
            // A line without markers: a scan has thousands of points 0.02° apart, markers would only blur the peaks.
            var line = plot.Add.ScatterLine(scan.Angles, scan.Intensities);
            line.LineWidth = 1;
            plot.Title(TitleOf(scan, fallbackTitle));
            plot.XLabel("2θ (deg)");
            plot.YLabel("Intensity (counts)");
            // No side margins: the scan range is the interesting range.
            plot.Axes.Margins(horizontal: 0, vertical: 0.05);

            // SkiaSharp's Linux natives (the NoDependencies build) do not use fontconfig: they read the font
            // files under /usr/share/fonts themselves. With none there they draw no text at all, silently;
            // say so on stderr (which the processor keeps in the file's log) rather than leave it a mystery.
            if (SKTypeface.Default.GlyphCount == 0)
            {
                Console.Error.WriteLine("xrdplot: warning: no fonts found (e.g. in /usr/share/fonts), so the plot has no text; install a font package such as fonts-dejavu-core.");
            }

            // Processors may write into a tree mirroring the topic's relative paths (plots/{relativePath}.png),
            // whose folders do not exist yet.
            string full = Path.GetFullPath(outputPath);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            // Rendered to a temporary file first and then moved into place: whoever watches the plots
            // folder never sees a half-written PNG, and a re-run replaces the old plot in one step.
            string temporary = full + ".partial";
            try
            {
                plot.SavePng(temporary, Width, Height);
                File.Move(temporary, full, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }
        }

        /// <summary>"SC001 - SrTiO3 film on Si - phase check"; whichever part is missing is left out.</summary>
        private static string TitleOf(XrdScan scan, string fallbackTitle)
        {
            string title = string.Join(" - ", new[] { scan.SampleId, scan.Title }.Where(s => !string.IsNullOrEmpty(s)));
            return title.Length > 0 ? title : fallbackTitle;
        }
    }
}
