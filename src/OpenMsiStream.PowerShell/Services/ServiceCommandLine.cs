using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.PowerShell.Services
{
    /// <summary>
    /// Turns a script block holding one of the module's long-running cmdlets into the openmsistream
    /// command line a service runs, so what a user ran interactively becomes a service unchanged.
    /// The parameters are bound statically (nothing in the block runs); values must be constants or
    /// variables, whose current values are recorded. Parameters the CLI has no equivalent for are
    /// refused with the reason rather than dropped.
    /// </summary>
    internal static class ServiceCommandLine
    {
        private static readonly HashSet<string> IgnoredCommonParameters = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable", "WarningVariable",
            "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm",
        };

        /// <summary>Parameters given in seconds on the command line and as seconds or a time span to the cmdlets.</summary>
        private static readonly HashSet<string> Durations = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "SettleTime", "ScanInterval", "Duration", "IdleTimeout", "RetryFailedAfter", "Timeout", "HeartbeatInterval", "LogInterval",
            "MaxWaitPerDecrypt", "MaxInitialWaitPerDecrypt",
        };

        /// <summary>Paths made absolute against the current location, since a service may start elsewhere.</summary>
        private static readonly HashSet<string> Paths = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Path", "OutputDirectory", "StateDirectory", "LogFile",
        };

        private static readonly Dictionary<string, CmdletShape> Shapes = new Dictionary<string, CmdletShape>(StringComparer.OrdinalIgnoreCase)
        {
            ["Start-MsiUploadDirectory"] = new CmdletShape("upload-directory", new[] { "Path" })
                .Rename("MaxBytesPerSecond", "--max-rate"),
            ["Receive-MsiDataFile"] = new CmdletShape("download-directory", new[] { "OutputDirectory" })
                .Refuse("MaxMemoryFileSize", "a service writes files to -OutputDirectory, so there is no in-memory limit to set"),
            ["Invoke-MsiStreamProcessor"] = new CmdletShape("process", new[] { "Topic" })
                .Refuse("ScriptBlock", "the service host runs programs, not PowerShell: use -Command with -ArgumentList, or a script file run by pwsh or powershell.exe")
                .Refuse("Handler", "the service host runs programs, not .NET handler objects: use -Command")
                .Refuse("Metadata", "it belongs to -ScriptBlock")
                .Refuse("MaxMemoryFileSize", "the command line has no such option")
                .Trailing("Command", "ArgumentList"),
            ["Start-MsiS3Transfer"] = new CmdletShape("s3-transfer", new[] { "Topic", "Bucket" })
                .Refuse("Credential", "a service must not hold a credential object: put the keys in the config file's [s3] section (as ${VARIABLES}) or in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
                .Refuse("MaxMemoryFileSize", "the command line has no such option"),
        };

        public static IReadOnlyCollection<string> Cmdlets => Shapes.Keys;

        /// <summary>The command line for <paramref name="block"/>, with variables taken from <paramref name="session"/>.</summary>
        public static List<string> From(ScriptBlock block, SessionState session)
        {
            CommandAst command = SingleCommand(block);
            string name = command.GetCommandName() ?? string.Empty;
            if (!Shapes.TryGetValue(name, out CmdletShape? shape))
            {
                throw Refused($"'{name}' is not a long-running OpenMsiStream cmdlet; a service runs one of: {string.Join(", ", Shapes.Keys)}.", name);
            }
            StaticBindingResult binding = StaticParameterBinder.BindCommand(command, resolve: true);
            if (binding.BindingExceptions.Count > 0)
            {
                KeyValuePair<string, StaticBindingError> first = binding.BindingExceptions.First();
                throw Refused($"The parameters of '{name}' cannot be bound: {first.Value.BindingException.Message}", first.Key);
            }
            var values = new Dictionary<string, (int Start, List<string> Text)>(StringComparer.OrdinalIgnoreCase);
            foreach (KeyValuePair<string, ParameterBindingResult> bound in binding.BoundParameters)
            {
                string parameter = bound.Value.Parameter?.Name ?? bound.Key;
                if (IgnoredCommonParameters.Contains(parameter))
                {
                    continue;
                }
                if (shape.Refusals.TryGetValue(parameter, out string? why))
                {
                    throw Refused($"-{parameter} of {name} cannot run as a service: {why}.", parameter);
                }
                values[parameter] = (bound.Value.Value?.Extent.StartOffset ?? int.MaxValue, Texts(parameter, bound.Value, session));
            }
            return Assemble(name, shape, values);
        }

        private static List<string> Assemble(string name, CmdletShape shape, Dictionary<string, (int Start, List<string> Text)> values)
        {
            var arguments = new List<string> { shape.Command };
            foreach (string positional in shape.Positional)
            {
                if (!values.TryGetValue(positional, out var given) || given.Text.Count != 1)
                {
                    throw Refused($"A service running {name} needs -{positional} (a single value).", positional);
                }
                arguments.Add(given.Text[0]);
            }
            foreach (KeyValuePair<string, (int Start, List<string> Text)> option in values.OrderBy(v => v.Value.Start))
            {
                if (shape.Positional.Contains(option.Key, StringComparer.OrdinalIgnoreCase) || shape.IsTrailing(option.Key))
                {
                    continue;
                }
                string flag = shape.Renames.TryGetValue(option.Key, out string? renamed) ? renamed : "--" + Kebab(option.Key);
                if (option.Value.Text.Count == 0)
                {
                    arguments.Add(flag); // a switch that is on
                }
                foreach (string text in option.Value.Text)
                {
                    arguments.Add(flag);
                    arguments.Add(text);
                }
            }
            if (shape.TrailingCommand != null && values.TryGetValue(shape.TrailingCommand, out var program))
            {
                arguments.Add("--");
                arguments.AddRange(program.Text);
                if (values.TryGetValue(shape.TrailingArguments!, out var rest))
                {
                    arguments.AddRange(rest.Text);
                }
            }
            return arguments;
        }

        private static CommandAst SingleCommand(ScriptBlock block)
        {
            var ast = (ScriptBlockAst)block.Ast;
            NamedBlockAst? body = ast.EndBlock;
            bool single = ast.BeginBlock == null && ast.ProcessBlock == null && ast.ParamBlock == null && body != null
                && body.Statements.Count == 1 && body.Statements[0] is PipelineAst pipeline && pipeline.PipelineElements.Count == 1
                && pipeline.PipelineElements[0] is CommandAst;
            if (!single)
            {
                throw Refused("The script block must hold exactly one command, for example { Start-MsiUploadDirectory -Path D:\\Data -Topic lab -Config lab.config }.", block.ToString());
            }
            return (CommandAst)((PipelineAst)body!.Statements[0]).PipelineElements[0];
        }

        /// <summary>The command-line text of one parameter's value: none for a switch that is on, several for an array.</summary>
        private static List<string> Texts(string parameter, ParameterBindingResult bound, SessionState session)
        {
            if (bound.Value == null || bound.Value is CommandParameterAst)
            {
                return new List<string>(); // -Switch
            }
            object? value = Evaluate(parameter, bound.Value, session);
            if (value is bool on)
            {
                if (!on)
                {
                    throw Refused($"-{parameter}:$false has no command-line form; leave the switch out.", parameter);
                }
                return new List<string>();
            }
            IEnumerable items = value is IEnumerable many && !(value is string) ? many : new[] { value };
            return items.Cast<object?>().Select(item => Text(parameter, item, session)).ToList();
        }

        private static object? Evaluate(string parameter, Ast value, SessionState session)
        {
            switch (value)
            {
                case ConstantExpressionAst constant:
                    return constant.Value;
                case ArrayLiteralAst array:
                    return array.Elements.Select(e => Evaluate(parameter, e, session)).ToArray();
                case ParenExpressionAst { Pipeline: PipelineAst { PipelineElements: { Count: 1 } } inner } when inner.PipelineElements[0] is CommandExpressionAst expression:
                    return Evaluate(parameter, expression.Expression, session);
                case VariableExpressionAst variable when !variable.Splatted:
                    VariablePath path = variable.VariablePath;
                    if (path.IsDriveQualified && string.Equals(path.DriveName, "env", StringComparison.OrdinalIgnoreCase))
                    {
                        string name = path.UserPath.Substring(path.DriveName.Length + 1);
                        return Environment.GetEnvironmentVariable(name)
                            ?? throw Refused($"-{parameter} uses $env:{name}, which is not set.", parameter);
                    }
                    if (path.IsVariable && session.PSVariable.Get(path.UserPath) is PSVariable found)
                    {
                        return found.Value is PSObject wrapped ? wrapped.BaseObject : found.Value;
                    }
                    throw Refused($"-{parameter} uses ${path.UserPath}, which is not set in this session.", parameter);
                case ExpressionAst expression:
                    try
                    {
                        // Arrays, hashtables and conversions of constants; PowerShell refuses anything that could run code.
                        return expression.SafeGetValue();
                    }
                    catch (InvalidOperationException)
                    {
                        throw Unsafe(parameter, value);
                    }
                default:
                    throw Unsafe(parameter, value);
            }
        }

        private static string Text(string parameter, object? value, SessionState session)
        {
            value = value is PSObject wrapped ? wrapped.BaseObject : value;
            if (Durations.Contains(parameter))
            {
                return Seconds(parameter, value).ToString("R", CultureInfo.InvariantCulture);
            }
            string text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
            if (Paths.Contains(parameter) || (parameter.Equals("Config", StringComparison.OrdinalIgnoreCase) && LooksLikePath(text)))
            {
                return session.Path.GetUnresolvedProviderPathFromPSPath(text);
            }
            return text;
        }

        /// <summary>-Config takes a path or a bare name looked up in $OPENMSISTREAM_CONFIG_FILE_DIR; only a path is made absolute.</summary>
        private static bool LooksLikePath(string text) =>
            text.StartsWith("~", StringComparison.Ordinal) || text.StartsWith(".", StringComparison.Ordinal) || text.IndexOfAny(new[] { '/', '\\' }) >= 0;

        private static double Seconds(string parameter, object? value)
        {
            switch (value)
            {
                case TimeSpan span:
                    return span.TotalSeconds;
                case string text when TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan parsed) && text.Contains(":"):
                    return parsed.TotalSeconds;
                default:
                    try
                    {
                        return Convert.ToDouble(value, CultureInfo.InvariantCulture);
                    }
                    catch (Exception ex) when (ex is FormatException || ex is InvalidCastException)
                    {
                        throw Refused($"-{parameter} must be seconds or a time span, not '{value}'.", parameter);
                    }
            }
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

        private static OpenMsiStreamException Unsafe(string parameter, Ast value) =>
            Refused($"-{parameter} is given as '{value.Extent.Text}': in a service command use constants or variables, whose current values are recorded.", parameter);

        private static OpenMsiStreamException Refused(string message, string target) =>
            new OpenMsiStreamException(ErrorIds.ServiceCommandUnsupported, message, target: target);

        private sealed class CmdletShape
        {
            public CmdletShape(string command, string[] positional)
            {
                Command = command;
                Positional = positional;
            }

            public string Command { get; }

            public string[] Positional { get; }

            public Dictionary<string, string> Renames { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

            public Dictionary<string, string> Refusals { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

            public string? TrailingCommand { get; private set; }

            public string? TrailingArguments { get; private set; }

            public CmdletShape Rename(string parameter, string option)
            {
                Renames[parameter] = option;
                return this;
            }

            public CmdletShape Refuse(string parameter, string why)
            {
                Refusals[parameter] = why;
                return this;
            }

            /// <summary>The program and its arguments go after "--".</summary>
            public CmdletShape Trailing(string command, string arguments)
            {
                TrailingCommand = command;
                TrailingArguments = arguments;
                return this;
            }

            public bool IsTrailing(string parameter) =>
                string.Equals(parameter, TrailingCommand, StringComparison.OrdinalIgnoreCase) || string.Equals(parameter, TrailingArguments, StringComparison.OrdinalIgnoreCase);
        }
    }
}
