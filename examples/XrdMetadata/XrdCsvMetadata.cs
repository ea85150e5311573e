using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace XrdMetadata
{
    /// <summary>
    /// Reads the measurement conditions of an XRD-style CSV export: the lines between
    /// <c>[Measurement conditions]</c> and <c>[Scan points]</c>, each <c>name,value[,value…]</c>.
    /// A name with one value maps to that text, a name with several to the list of them.
    /// </summary>
    public static class XrdCsvMetadata
    {
        public const string ConditionsHeader = "[Measurement conditions]";
        public const string ScanPointsHeader = "[Scan points]";

        public static IDictionary<string, object?> Parse(TextReader reader, string fileName)
        {
            var metadata = new Dictionary<string, object?>(StringComparer.Ordinal);
            bool inConditions = false, sawConditions = false;
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                string trimmed = line.Trim();
                if (trimmed.Equals(ConditionsHeader, StringComparison.OrdinalIgnoreCase))
                {
                    inConditions = sawConditions = true;
                    continue;
                }
                if (trimmed.Equals(ScanPointsHeader, StringComparison.OrdinalIgnoreCase))
                {
                    break;
                }
                if (!inConditions || trimmed.Length == 0)
                {
                    continue;
                }
                string[] cells = trimmed.Split(',').Select(c => c.Trim()).ToArray();
                string[] values = cells.Skip(1).Where(v => v.Length > 0).ToArray();
                metadata[cells[0]] = values.Length switch
                {
                    0 => null,
                    1 => values[0],
                    _ => values,
                };
            }
            if (!sawConditions)
            {
                throw new FormatException($"'{fileName}' has no {ConditionsHeader} block.");
            }
            return metadata;
        }
    }
}
