using System;
using System.Globalization;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// KafkaCrypto's encoding of <c>.config</c> values (its str_encode/str_decode): bytes are
    /// <c>base64#</c> + standard base64, booleans <c>True</c>/<c>False</c>, numbers in Python's
    /// text form, and anything else plain text. Decoding tries int, then float, then booleans (any
    /// case), then <c>base64#</c>, as Python does, so that a value means the same to both.
    /// </summary>
    internal static class ConfigValue
    {
        public const string Base64Prefix = "base64#";
        public const string FilePrefix = "file#";

        public static string EncodeBytes(byte[] value) => Base64Prefix + Convert.ToBase64String(value);

        public static string EncodeBool(bool value) => value ? "True" : "False";

        /// <summary>
        /// A number as Python's str() would write it when it is an integer (the only kind the product
        /// writes: lifetimes and intervals in whole seconds); other values use the round-trip form.
        /// </summary>
        public static string EncodeNumber(double value) =>
            Math.Floor(value) == value && Math.Abs(value) < 1e15
                ? ((long)value).ToString(CultureInfo.InvariantCulture)
                : value.ToString("R", CultureInfo.InvariantCulture);

        /// <summary>The bytes of a <c>base64#</c> value; false for any other value or invalid base64.</summary>
        public static bool TryDecodeBytes(string raw, out byte[] bytes)
        {
            bytes = Array.Empty<byte>();
            if (!raw.StartsWith(Base64Prefix, StringComparison.Ordinal))
            {
                return false;
            }
            string body = raw.Substring(Base64Prefix.Length);
            if (body.Length % 4 != 0 || body.IndexOfAny(new[] { ' ', '\t', '\r', '\n' }) >= 0)
            {
                return false; // Python decodes with validate=True
            }
            try
            {
                bytes = Convert.FromBase64String(body);
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        /// <summary>Python's int()/float() acceptance of a value, which is how KafkaCrypto reads numbers.</summary>
        public static bool TryDecodeNumber(string raw, out double value)
        {
            string text = raw.Trim();
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long whole))
            {
                value = whole;
                return true;
            }
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }

        /// <summary>True/False in any case, or an integer (Python truthiness: non-zero is true).</summary>
        public static bool TryDecodeBool(string raw, out bool value)
        {
            string text = raw.Trim();
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number))
            {
                value = number != 0;
                return true;
            }
            if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase))
            {
                value = true;
                return true;
            }
            if (string.Equals(text, "false", StringComparison.OrdinalIgnoreCase))
            {
                value = false;
                return true;
            }
            value = false;
            return false;
        }

        /// <summary>
        /// A text setting: the raw value, except that a <c>base64#</c> value is read as UTF-8 text
        /// (KafkaCrypto migrates settings stored as bytes the same way).
        /// </summary>
        public static string DecodeText(string raw) =>
            TryDecodeBytes(raw, out byte[] bytes) ? new System.Text.UTF8Encoding(false).GetString(bytes) : raw;
    }
}
