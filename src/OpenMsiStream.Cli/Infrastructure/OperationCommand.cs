using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Threading;
using OpenMsiStream.Operations;

namespace OpenMsiStream.Cli.Infrastructure
{
    /// <summary>
    /// The command of a long-running <see cref="Operation"/>, declared from its description: one argument or
    /// option per <see cref="OperationOption"/> (nothing is declared by hand), read back into
    /// <see cref="OperationArguments"/>, where the values are checked by the same code as the cmdlet's.
    /// </summary>
    internal sealed class OperationCommand : Command
    {
        private readonly List<(OperationOption Option, Func<ParseResult, object?> Read)> _readers = new List<(OperationOption, Func<ParseResult, object?>)>();

        private OperationCommand(Operation operation)
            : base(operation.Command, operation.Summary) => Operation = operation;

        public Operation Operation { get; }

        /// <summary>The command, running <paramref name="body"/> with the arguments read and checked.</summary>
        public static Command Create(Operation operation, Func<OperationArguments, CancellationToken, int> body)
        {
            var command = new OperationCommand(operation);
            // ArgumentList is PowerShell's half of the program: on the command line it follows the program after "--".
            foreach (OperationOption option in operation.Options.Where(o => o.CmdletOnly == null && o.Name != "ArgumentList"))
            {
                (Symbol symbol, Func<ParseResult, object?> read) = Declare(option);
                command._readers.Add((option, read));
                if (symbol is Argument argument)
                {
                    command.Arguments.Add(argument);
                }
                else
                {
                    command.Options.Add((Option)symbol);
                }
            }
            CommandRunner.SetAction(command, (parse, cancellationToken) => body(command.Read(parse), cancellationToken));
            return command;
        }

        /// <summary>The arguments given on a parsed command line (checked as they are set).</summary>
        public OperationArguments Read(ParseResult parse)
        {
            var arguments = new OperationArguments(Operation, OptionNaming.CommandLine, Path.GetFullPath);
            foreach ((OperationOption option, Func<ParseResult, object?> read) in _readers)
            {
                if (read(parse) is object value)
                {
                    arguments.Set(option.Name, value);
                }
            }
            return arguments;
        }

        private static (Symbol, Func<ParseResult, object?>) Declare(OperationOption option)
        {
            if (option.Kind == OptionKind.Program)
            {
                var program = new Argument<string[]>("command") { Description = option.Help, Arity = ArgumentArity.OneOrMore };
                return (program, parse => parse.GetValue(program));
            }
            if (option.IsPositional)
            {
                var argument = new Argument<string>(option.ArgumentName!) { Description = option.Help };
                return (argument, parse => parse.GetValue(argument));
            }
            return option.Kind switch
            {
                OptionKind.TextList => Typed(option, new Option<string[]>(option.Flag) { AllowMultipleArgumentsPerToken = true }),
                OptionKind.Count or OptionKind.Port => Typed(option, new Option<int?>(option.Flag)),
                OptionKind.Bytes => Typed(option, new Option<long?>(option.Flag)),
                OptionKind.Seconds or OptionKind.SecondsOrZero => Typed(option, new Option<double?>(option.Flag)),
                OptionKind.Switch => Typed(option, new Option<bool>(option.Flag)),
                OptionKind.Choice => Typed(option, ChoiceOption(option)),
                _ => Typed(option, new Option<string?>(option.Flag)),
            };
        }

        /// <summary>The option with its help, and a reader that gives its value only when it was given.</summary>
        private static (Symbol, Func<ParseResult, object?>) Typed<T>(OperationOption option, Option<T> declared)
        {
            declared.Description = option.HelpWithDefault();
            declared.Required = option.Required;
            return (declared, parse => parse.GetResult(declared) is { Implicit: false } ? parse.GetValue(declared) : null); // a bool option has an implicit result
        }

        private static Option<string?> ChoiceOption(OperationOption option)
        {
            var choice = new Option<string?>(option.Flag);
            choice.CompletionSources.Add(option.AllowedChoices ?? Enum.GetNames(option.Choices!));
            return choice;
        }
    }
}
