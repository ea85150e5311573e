using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Operations
{
    /// <summary>How an option is named in an error message: as the user typed it.</summary>
    public enum OptionNaming
    {
        /// <summary>--idle-timeout</summary>
        CommandLine,

        /// <summary>-IdleTimeout</summary>
        PowerShell,
    }

    /// <summary>
    /// The options given to one run of an <see cref="Operation"/>, whichever front end took them. Each value
    /// is converted to its kind's type and checked when it is set — the one place those rules live — and an
    /// option not given reads as its default.
    /// </summary>
    public sealed class OperationArguments
    {
        private readonly Dictionary<string, object> _given = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        private readonly List<OperationOption> _order = new List<OperationOption>();
        private readonly Func<string, string> _resolvePath;

        /// <param name="resolvePath">Makes a path absolute as the front end means it (PowerShell: against its current location).</param>
        public OperationArguments(Operation operation, OptionNaming naming, Func<string, string> resolvePath)
        {
            Operation = operation;
            Naming = naming;
            _resolvePath = resolvePath;
        }

        public Operation Operation { get; }

        public OptionNaming Naming { get; }

        /// <summary>The options given, in the order they were given.</summary>
        public IEnumerable<KeyValuePair<OperationOption, object>> Given => _order.Select(o => new KeyValuePair<OperationOption, object>(o, _given[o.Name]));

        public bool IsGiven(string name) => _given.ContainsKey(name);

        /// <summary>Sets an option from a value of any form a front end has (a TimeSpan or seconds, an array or one string, an enum or its name).</summary>
        public OperationArguments Set(string name, object? value)
        {
            OperationOption option = Operation.Find(name)
                ?? throw new OpenMsiStreamException(ErrorIds.InvalidArgument, $"{Operation.Command} has no option '{name}'.", target: name);
            object converted = Convert(option, value);
            if (!_given.ContainsKey(option.Name))
            {
                _order.Add(option);
            }
            _given[option.Name] = converted;
            return this;
        }

        /// <summary>The value given, else the option's default (which may be null).</summary>
        public T Get<T>(string name)
        {
            if (_given.TryGetValue(name, out object? value))
            {
                return (T)value;
            }
            object? fallback = Operation.Find(name)?.Default;
            return fallback == null ? default! : (T)fallback;
        }

        /// <summary>A value without a default, null when not given.</summary>
        public T? Optional<T>(string name)
            where T : struct => _given.TryGetValue(name, out object? value) ? (T)value : (T?)null;

        public string? Text(string name) => Get<string?>(name);

        /// <summary>How the user wrote this option: --idle-timeout or -IdleTimeout.</summary>
        public string Display(string name)
        {
            OperationOption? option = Operation.Find(name);
            return option == null ? name : Naming == OptionNaming.CommandLine ? option.IsPositional ? option.ArgumentName! : option.Flag : "-" + option.Name;
        }

        private object Convert(OperationOption option, object? value)
        {
            string display = Display(option.Name);
            switch (option.Kind)
            {
                case OptionKind.Text:
                    return Single(value, display);
                case OptionKind.Path:
                    return _resolvePath(Single(value, display));
                case OptionKind.ConfigFile:
                    string config = Single(value, display);
                    return Config.ConfigFileLocator.IsPath(config) ? _resolvePath(config) : config;
                case OptionKind.Pattern:
                    string pattern = Single(value, display);
                    Download.PathFilter.Parse(pattern, display); // an invalid pattern fails now, naming the option
                    return pattern;
                case OptionKind.TextList:
                case OptionKind.Program:
                    return Many(value).Select(item => System.Convert.ToString(item, CultureInfo.InvariantCulture) ?? string.Empty).ToArray();
                case OptionKind.Port:
                    // The range is MonitorOptions.Validate's rule (its message names what the port is for).
                    long port = Whole(value, display);
                    return port < int.MinValue || port > int.MaxValue ? throw Invalid($"{display} must be a TCP port (got {port}).", port) : (int)port;
                case OptionKind.Count:
                    long whole = Whole(value, display);
                    if (whole < option.Minimum || whole > option.Maximum)
                    {
                        throw Invalid(option.Maximum >= int.MaxValue
                            ? $"{display} must be at least {option.Minimum} (got {whole})."
                            : $"{display} must be from {option.Minimum} to {option.Maximum} (got {whole}).", whole);
                    }
                    return (int)whole;
                case OptionKind.Bytes:
                    long bytes = Whole(value, display);
                    if (bytes < option.Minimum || bytes > option.Maximum)
                    {
                        throw Invalid(option.Maximum == long.MaxValue
                            ? $"{display} must be at least {option.Minimum} (got {bytes})."
                            : $"{display} must be from {ByteSize.Format(option.Minimum)} to {ByteSize.Format(option.Maximum)} (got {bytes}).", bytes);
                    }
                    return bytes;
                case OptionKind.Seconds:
                case OptionKind.SecondsOrZero:
                    TimeSpan time = Time(value, display);
                    bool zeroAllowed = option.Kind == OptionKind.SecondsOrZero;
                    if (time < TimeSpan.Zero || (!zeroAllowed && time == TimeSpan.Zero))
                    {
                        throw Invalid($"{display} must be {(zeroAllowed ? "zero or a positive" : "a positive")} number of seconds (got {time.TotalSeconds.ToString(CultureInfo.InvariantCulture)}).", value);
                    }
                    return time;
                case OptionKind.Switch:
                    return value switch
                    {
                        null => true,
                        bool on => on,
                        _ => throw Invalid($"{display} is a switch: it takes no value.", value),
                    };
                case OptionKind.Choice:
                    return Choice(option, value, display);
                default:
                    throw new InvalidOperationException($"No conversion for {option.Kind}.");
            }
        }

        private static object Choice(OperationOption option, object? value, string display)
        {
            string text = System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
            string[] allowed = option.AllowedChoices ?? Enum.GetNames(option.Choices!);
            string? match = allowed.FirstOrDefault(name => string.Equals(name, text, StringComparison.OrdinalIgnoreCase));
            if (match == null)
            {
                throw Invalid($"{display} must be one of {string.Join(", ", allowed)} (got '{text}').", text);
            }
            return Enum.Parse(option.Choices!, match);
        }

        private static string Single(object? value, string display)
        {
            object?[] items = Many(value);
            if (items.Length != 1 || items[0] == null)
            {
                throw Invalid($"{display} takes one value.", value);
            }
            return System.Convert.ToString(items[0], CultureInfo.InvariantCulture)!;
        }

        private static object?[] Many(object? value) =>
            value is IEnumerable many && !(value is string) ? many.Cast<object?>().ToArray() : new[] { value };

        private static long Whole(object? value, string display)
        {
            try
            {
                return value is string text ? long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) : System.Convert.ToInt64(value, CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is FormatException || ex is InvalidCastException || ex is OverflowException)
            {
                throw Invalid($"{display} must be a whole number (got '{value}').", value);
            }
        }

        /// <summary>A time span, or seconds as a number or text ("90", "1.5"), or a time span as text ("0:05:00").</summary>
        private static TimeSpan Time(object? value, string display)
        {
            switch (value)
            {
                case TimeSpan span:
                    return span;
                case string text when text.Contains(":") && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan parsed):
                    return parsed;
                default:
                    double seconds;
                    try
                    {
                        seconds = value is string number ? double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture) : System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
                    }
                    catch (Exception ex) when (ex is FormatException || ex is InvalidCastException || ex is OverflowException)
                    {
                        throw Invalid($"{display} must be seconds or a time span (got '{value}').", value);
                    }
                    if (double.IsNaN(seconds) || double.IsInfinity(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds)
                    {
                        throw Invalid($"{display} must be a finite number of seconds (got {seconds.ToString(CultureInfo.InvariantCulture)}).", value);
                    }
                    return TimeSpan.FromSeconds(seconds);
            }
        }

        private static OpenMsiStreamException Invalid(string message, object? target) =>
            new OpenMsiStreamException(ErrorIds.InvalidArgument, message, target: target);
    }
}
