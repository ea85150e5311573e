using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Operations;

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

        public static IReadOnlyCollection<string> Cmdlets => Operation.LongRunning.Select(o => o.Cmdlet).ToList();

        /// <summary>The command line for <paramref name="block"/>, with variables taken from <paramref name="session"/>.</summary>
        public static List<string> From(ScriptBlock block, SessionState session)
        {
            CommandAst command = SingleCommand(block);
            string name = command.GetCommandName() ?? string.Empty;
            Operation operation = Operation.ForCmdlet(name)
                ?? throw Refused($"'{name}' is not a long-running OpenMsiStream cmdlet; a service runs one of: {string.Join(", ", Cmdlets)}.", name);
            StaticBindingResult binding = StaticParameterBinder.BindCommand(command, resolve: true);
            if (binding.BindingExceptions.Count > 0)
            {
                KeyValuePair<string, StaticBindingError> first = binding.BindingExceptions.First();
                throw Refused($"The parameters of '{name}' cannot be bound: {first.Value.BindingException.Message}", first.Key);
            }
            // Values are recorded in the order they were written; the operation checks them with the code the
            // service will run, so a command line that would fail at the service's start fails here.
            var arguments = new OperationArguments(operation, OptionNaming.PowerShell, session.Path.GetUnresolvedProviderPathFromPSPath);
            foreach (KeyValuePair<string, ParameterBindingResult> bound in binding.BoundParameters.OrderBy(b => b.Value.Value?.Extent.StartOffset ?? int.MaxValue))
            {
                string parameter = bound.Value.Parameter?.Name ?? bound.Key;
                if (IgnoredCommonParameters.Contains(parameter))
                {
                    continue;
                }
                OperationOption option = operation.Find(parameter)
                    ?? throw Refused($"-{parameter} of {name} has no command-line form, so it cannot run as a service.", parameter);
                if (option.CmdletOnly != null)
                {
                    throw Refused($"-{parameter} of {name} cannot run as a service: {option.CmdletOnly}.", parameter);
                }
                arguments.Set(option.Name, Value(parameter, bound.Value, session));
            }
            operation.Validate(arguments);
            return operation.ToCommandLine(arguments);
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

        /// <summary>The value of one parameter: true for a switch that is on, else the constant or variable's value.</summary>
        private static object? Value(string parameter, ParameterBindingResult bound, SessionState session)
        {
            if (bound.Value == null || bound.Value is CommandParameterAst)
            {
                return true; // -Switch
            }
            object? value = Evaluate(parameter, bound.Value, session);
            if (value is bool on && !on)
            {
                throw Refused($"-{parameter}:$false has no command-line form; leave the switch out.", parameter);
            }
            return value is PSObject wrapped ? wrapped.BaseObject : value;
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

        private static OpenMsiStreamException Unsafe(string parameter, Ast value) =>
            Refused($"-{parameter} is given as '{value.Extent.Text}': in a service command use constants or variables, whose current values are recorded.", parameter);

        private static OpenMsiStreamException Refused(string message, string target) =>
            new OpenMsiStreamException(ErrorIds.ServiceCommandUnsupported, message, target: target);
    }
}
