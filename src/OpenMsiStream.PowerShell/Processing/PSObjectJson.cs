using System;
using System.Collections;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OpenMsiStream.Processing;

namespace OpenMsiStream.PowerShell.Processing
{
    /// <summary>
    /// Writes what a script outputs as JSON for a result topic, the same way on Windows PowerShell 5.1
    /// and PowerShell 7 (their ConvertTo-Json differ, for dates among others): hashtables and custom
    /// objects as JSON objects, collections as arrays, dates in ISO 8601, enums by name, byte arrays in
    /// base64, other .NET objects by their public properties, down to <see cref="MaxDepth"/> levels.
    /// </summary>
    internal static class PSObjectJson
    {
        public const int MaxDepth = 10;

        public static string Serialize(object? value)
        {
            using var writer = new JsonTokenWriter();
            Write(writer, value, 0);
            return writer.ToString();
        }

        /// <summary>Whether the value reads as one JSON object (a hashtable, a custom object or another object with properties).</summary>
        public static bool IsObject(object? value)
        {
            object? unwrapped = Unwrap(value);
            return unwrapped is IDictionary || unwrapped is PSObject || (unwrapped != null && !IsScalar(unwrapped) && !(unwrapped is IEnumerable));
        }

        private static void Write(JsonTokenWriter writer, object? value, int depth)
        {
            object? unwrapped = Unwrap(value);
            switch (unwrapped)
            {
                case null:
                    writer.WriteNullValue();
                    return;
                case string text:
                    writer.WriteStringValue(text);
                    return;
                case char c:
                    writer.WriteStringValue(c.ToString());
                    return;
                case bool flag:
                    writer.WriteBooleanValue(flag);
                    return;
                case byte[] bytes:
                    writer.WriteStringValue(Convert.ToBase64String(bytes));
                    return;
                case double d when double.IsNaN(d) || double.IsInfinity(d):
                    writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                    return;
                case float f when float.IsNaN(f) || float.IsInfinity(f):
                    writer.WriteStringValue(f.ToString(CultureInfo.InvariantCulture));
                    return;
                case DateTime time:
                    writer.WriteStringValue(time.ToString("o", CultureInfo.InvariantCulture));
                    return;
                case DateTimeOffset offset:
                    writer.WriteStringValue(offset.ToString("o", CultureInfo.InvariantCulture));
                    return;
                case TimeSpan span:
                    writer.WriteStringValue(span.ToString("c", CultureInfo.InvariantCulture));
                    return;
                case Enum e:
                    writer.WriteStringValue(e.ToString());
                    return;
                case Guid _:
                case Uri _:
                case Version _:
                case FileSystemInfo _:
                    writer.WriteStringValue(unwrapped.ToString());
                    return;
            }
            if (unwrapped is double || unwrapped is float)
            {
                // "R" round-trips on .NET Framework too, whose default keeps only 15 digits.
                writer.WriteRawNumber(((IFormattable)unwrapped).ToString("R", CultureInfo.InvariantCulture));
                return;
            }
            if (IsNumber(unwrapped))
            {
                writer.WriteRawNumber(Convert.ToString(unwrapped, CultureInfo.InvariantCulture)!);
                return;
            }
            if (depth >= MaxDepth)
            {
                writer.WriteStringValue(unwrapped.ToString());
                return;
            }
            switch (unwrapped)
            {
                case IDictionary dictionary:
                    writer.WriteStartObject();
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                        Write(writer, entry.Value, depth + 1);
                    }
                    writer.WriteEndObject();
                    return;
                case PSObject custom:
                    WriteProperties(writer, custom, depth);
                    return;
                case IEnumerable items:
                    writer.WriteStartArray();
                    foreach (object? item in items)
                    {
                        Write(writer, item, depth + 1);
                    }
                    writer.WriteEndArray();
                    return;
                default:
                    WriteProperties(writer, PSObject.AsPSObject(unwrapped), depth);
                    return;
            }
        }

        private static void WriteProperties(JsonTokenWriter writer, PSObject value, int depth)
        {
            writer.WriteStartObject();
            foreach (PSPropertyInfo property in value.Properties.Where(p => p.IsGettable))
            {
                object? propertyValue;
                try
                {
                    propertyValue = property.Value;
                }
                catch (GetValueException)
                {
                    continue; // a property that throws when read is left out, as ConvertTo-Json does
                }
                writer.WritePropertyName(property.Name);
                Write(writer, propertyValue, depth + 1);
            }
            writer.WriteEndObject();
        }

        /// <summary>A PSObject wrapping a .NET value stands for that value; a custom object (no base object) stays a PSObject.</summary>
        private static object? Unwrap(object? value)
        {
            if (value is PSObject wrapper)
            {
                return wrapper.BaseObject is PSCustomObject ? wrapper : wrapper.BaseObject;
            }
            return value;
        }

        private static bool IsScalar(object value) => value is string || value is char || value is bool || IsNumber(value) || value is DateTime
            || value is DateTimeOffset || value is TimeSpan || value is Enum || value is Guid || value is Uri || value is Version || value is byte[];

        private static bool IsNumber(object value) => value is sbyte || value is byte || value is short || value is ushort || value is int || value is uint
            || value is long || value is ulong || value is float || value is double || value is decimal || value is System.Numerics.BigInteger;
    }
}
