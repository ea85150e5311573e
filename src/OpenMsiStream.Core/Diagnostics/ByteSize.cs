using System.Globalization;

namespace OpenMsiStream.Diagnostics
{
    /// <summary>Byte counts for people: 1.5 MB rather than 1572864.</summary>
    public static class ByteSize
    {
        private static readonly string[] Units = { "B", "KB", "MB", "GB", "TB" };

        public static string Format(double bytes)
        {
            int unit = 0;
            while (bytes >= 1024 && unit < Units.Length - 1)
            {
                bytes /= 1024;
                unit++;
            }
            return unit == 0 ? bytes.ToString("0", CultureInfo.InvariantCulture) + " B" : bytes.ToString("0.0", CultureInfo.InvariantCulture) + " " + Units[unit];
        }
    }
}
