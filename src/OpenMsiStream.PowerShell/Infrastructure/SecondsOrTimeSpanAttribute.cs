using System;
using System.Globalization;
using System.Management.Automation;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// Lets a TimeSpan parameter take a number of seconds (<c>-Duration 90</c>) as well as a TimeSpan
    /// or its text (<c>-Duration 1:30:00</c>). Without it PowerShell would read 90 as 90 ticks.
    /// </summary>
    public sealed class SecondsOrTimeSpanAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            switch (value)
            {
                case TimeSpan span:
                    return span;
                case int or long or short or byte or uint or ulong or ushort or sbyte:
                    return TimeSpan.FromSeconds(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                case double or float or decimal:
                    return TimeSpan.FromSeconds(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                case string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds):
                    return TimeSpan.FromSeconds(seconds);
                case string text when TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan parsed):
                    return parsed;
                default:
                    throw new ArgumentTransformationMetadataException($"'{inputData}' is neither a number of seconds nor a time span such as 1:30:00.");
            }
        }
    }
}
