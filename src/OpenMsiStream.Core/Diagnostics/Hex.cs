using System.Text;

namespace OpenMsiStream.Diagnostics
{
    public static class Hex
    {
        public static string Lower(byte[] bytes)
        {
            var text = new StringBuilder(bytes.Length * 2);
            foreach (byte b in bytes)
            {
                text.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
            return text.ToString();
        }
    }
}
