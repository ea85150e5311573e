using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace XrdPlot
{
    /// <summary>
    /// One XRD-style CSV export: the sample id and title from the <c>[Measurement conditions]</c> block,
    /// and the <c>Angle,Intensity</c> rows of the <c>[Scan points]</c> block.
    /// </summary>
    /// <remarks>
    /// Only what the plot needs is read; examples/XrdMetadata reads the whole conditions block. The
    /// conditions are optional (the title falls back to the file name) but the points are not: a file
    /// with nothing to plot is an error, so the processor records it as failed instead of storing an
    /// empty picture as if it had worked.
    /// </remarks>
    public sealed class XrdScan
    {
        public const string ConditionsHeader = "[Measurement conditions]";
        public const string ScanPointsHeader = "[Scan points]";

        private XrdScan(string? sampleId, string? title, double[] angles, double[] intensities)
        {
            SampleId = sampleId;
            Title = title;
            Angles = angles;
            Intensities = intensities;
        }

        public string? SampleId { get; }

        public string? Title { get; }

        /// <summary>2θ in degrees, in file order.</summary>
        public double[] Angles { get; }

        /// <summary>Counts, one per angle.</summary>
        public double[] Intensities { get; }

        /// <summary>Reads a file; <see cref="FormatException"/> (with the file name) when there is nothing to plot.</summary>
        public static XrdScan Load(string path)
        {
            using var reader = new StreamReader(path);
            return Parse(reader, Path.GetFileName(path));
        }

        public static XrdScan Parse(TextReader reader, string fileName)
        {
            string? sampleId = null, title = null;
            var angles = new List<double>();
            var intensities = new List<double>();
            string section = string.Empty;
            bool sawScanPoints = false;
            int lineNumber = 0;
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                lineNumber++;
                string trimmed = line.Trim();
                if (trimmed.Length == 0)
                {
                    continue;
                }
                if (trimmed.StartsWith('[') && trimmed.EndsWith(']'))
                {
                    section = trimmed;
                    sawScanPoints |= trimmed.Equals(ScanPointsHeader, StringComparison.OrdinalIgnoreCase);
                    continue;
                }
                string[] cells = trimmed.Split(',');
                if (section.Equals(ConditionsHeader, StringComparison.OrdinalIgnoreCase) && cells.Length > 1)
                {
                    string name = cells[0].Trim(), value = cells[1].Trim();
                    if (name.Equals("Sample ID", StringComparison.OrdinalIgnoreCase))
                    {
                        sampleId = value;
                    }
                    else if (name.Equals("Title", StringComparison.OrdinalIgnoreCase))
                    {
                        title = value;
                    }
                }
                else if (section.Equals(ScanPointsHeader, StringComparison.OrdinalIgnoreCase))
                {
                    // The column header (Angle,Intensity) is text; every other row must be two numbers.
                    // A half-written or corrupt row fails the file rather than silently bending the curve.
                    if (cells.Length >= 2 && TryNumber(cells[0], out double angle) && TryNumber(cells[1], out double intensity))
                    {
                        angles.Add(angle);
                        intensities.Add(intensity);
                    }
                    else if (angles.Count > 0 || TryNumber(cells[0], out _))
                    {
                        throw new FormatException($"'{fileName}' line {lineNumber}: '{trimmed}' is not an Angle,Intensity pair of numbers.");
                    }
                }
            }
            if (!sawScanPoints)
            {
                throw new FormatException($"'{fileName}' has no {ScanPointsHeader} block.");
            }
            if (angles.Count == 0)
            {
                throw new FormatException($"'{fileName}' has no points in its {ScanPointsHeader} block.");
            }
            return new XrdScan(sampleId, title, angles.ToArray(), intensities.ToArray());
        }

        private static bool TryNumber(string text, out double value) =>
            double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }
}
