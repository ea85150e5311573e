using System;
using System.Globalization;
using System.Text;

namespace OpenMsiStream.Operations
{
    /// <summary>What a value of an option is, and so how both front ends take it and how it is checked.</summary>
    public enum OptionKind
    {
        /// <summary>A string.</summary>
        Text,

        /// <summary>A file or directory, made absolute by the front end (PowerShell: against its location).</summary>
        Path,

        /// <summary>A config file: a path, or a bare name looked up in $OPENMSISTREAM_CONFIG_FILE_DIR (only a path is made absolute).</summary>
        ConfigFile,

        /// <summary>A .NET regular expression.</summary>
        Pattern,

        /// <summary>Several strings (repeatable on the command line, an array in PowerShell).</summary>
        TextList,

        /// <summary>A whole number of at least one (and at most <see cref="OperationOption.Maximum"/>).</summary>
        Count,

        /// <summary>A number of bytes, at least one (or <see cref="OperationOption.Minimum"/>).</summary>
        Bytes,

        /// <summary>A positive time: seconds on the command line, seconds or a time span in PowerShell.</summary>
        Seconds,

        /// <summary>As <see cref="Seconds"/>, zero allowed.</summary>
        SecondsOrZero,

        /// <summary>On or off: a flag without a value on the command line, a switch in PowerShell.</summary>
        Switch,

        /// <summary>One name of the enum <see cref="OperationOption.Choices"/>, case-insensitive.</summary>
        Choice,

        /// <summary>A TCP port (its range is checked by what uses it).</summary>
        Port,

        /// <summary>The program and its arguments, after "--" on the command line.</summary>
        Program,
    }

    /// <summary>
    /// One option of an <see cref="Operation"/>: the PowerShell parameter <see cref="Name"/>, the command
    /// line's <see cref="Flag"/>, its kind, default and help. The CLI declares its options from these, the
    /// cmdlets' parameters are checked against them, and the service translator maps one to the other.
    /// </summary>
    public sealed class OperationOption
    {
        private string? _flag;

        public OperationOption(string name, OptionKind kind, string help, object? defaultValue = null)
        {
            Name = name;
            Kind = kind;
            Help = help;
            Default = defaultValue;
        }

        /// <summary>The cmdlet parameter, e.g. IdleTimeout.</summary>
        public string Name { get; }

        /// <summary>The command-line option, e.g. --idle-timeout (the name in kebab case unless renamed).</summary>
        public string Flag => _flag ?? "--" + Kebab(Name);

        public OptionKind Kind { get; }

        /// <summary>The CLI's help text; the default is added by <see cref="HelpWithDefault"/>.</summary>
        public string Help { get; }

        /// <summary>The value when the option is not given, in the kind's type (TimeSpan for times), or null for none.</summary>
        public object? Default { get; }

        /// <summary>For <see cref="OptionKind.Choice"/>: the enum whose names are the choices.</summary>
        public Type? Choices { get; private set; }

        /// <summary>The values a choice may take here, when only some of the enum's names are allowed.</summary>
        public string[]? AllowedChoices { get; private set; }

        /// <summary>A positional argument of the command line (in the order of the operation's options); its name in help.</summary>
        public string? ArgumentName { get; private set; }

        public bool Required { get; private set; }

        /// <summary>Smallest value of a <see cref="OptionKind.Bytes"/> or <see cref="OptionKind.Count"/> option (default 1).</summary>
        public long Minimum { get; private set; } = 1;

        /// <summary>Largest value of a <see cref="OptionKind.Bytes"/> or <see cref="OptionKind.Count"/> option.</summary>
        public long Maximum { get; private set; } = long.MaxValue;

        /// <summary>Why the cmdlet parameter has no command-line form (and so cannot run as a service); null when it has one.</summary>
        public string? CmdletOnly { get; private set; }

        /// <summary>A command-line option the cmdlet has as a common parameter (--verbose and -Verbose).</summary>
        public bool Common { get; private set; }

        public bool IsPositional => ArgumentName != null;

        public OperationOption WithFlag(string flag)
        {
            _flag = flag;
            return this;
        }

        public OperationOption Positional(string argumentName)
        {
            ArgumentName = argumentName;
            Required = true;
            return this;
        }

        public OperationOption Mandatory()
        {
            Required = true;
            return this;
        }

        public OperationOption Range(long minimum, long maximum)
        {
            Minimum = minimum;
            Maximum = maximum;
            return this;
        }

        public OperationOption Of(Type choices, params string[] allowed)
        {
            Choices = choices;
            AllowedChoices = allowed.Length == 0 ? null : allowed;
            return this;
        }

        public OperationOption OnlyInPowerShell(string why)
        {
            CmdletOnly = why;
            return this;
        }

        public OperationOption AsCommonParameter()
        {
            Common = true;
            return this;
        }

        /// <summary>The help with the default, as the CLI shows it.</summary>
        public string HelpWithDefault()
        {
            string? shown = Default switch
            {
                null => null,
                bool _ => null,
                TimeSpan time => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture),
                long bytes when Kind == OptionKind.Bytes => Diagnostics.ByteSize.Format(bytes),
                _ => Convert.ToString(Default, CultureInfo.InvariantCulture),
            };
            return shown == null ? Help : $"{Help} (default {shown})";
        }

        /// <summary>HeartbeatTopic → heartbeat-topic.</summary>
        private static string Kebab(string name)
        {
            var text = new StringBuilder();
            foreach (char c in name)
            {
                if (char.IsUpper(c) && text.Length > 0)
                {
                    text.Append('-');
                }
                text.Append(char.ToLowerInvariant(c));
            }
            return text.ToString();
        }
    }
}
