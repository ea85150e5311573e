using System;
using System.Collections;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using OpenMsiStream.Cli;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Operations;
using Xunit;

namespace OpenMsiStream.Tests.Operations
{
    /// <summary>
    /// The CLI's half of the parity between the front ends (the cmdlets' half is in the PowerShell tests,
    /// ParityTests): every option of every long-running operation, written by the operation as a service's
    /// command line, passes the CLI's own parse and validation and reads back as the same value, and the CLI
    /// declares no option the operation does not describe.
    /// </summary>
    public class OperationParityTests
    {
        public static IEnumerable<object[]> EveryCommandLineOption() =>
            Operation.LongRunning.SelectMany(operation => operation.Options
                .Where(o => o.CmdletOnly == null)
                .Select(o => new object[] { operation.Command, o.Name }));

        [Theory]
        [MemberData(nameof(EveryCommandLineOption))]
        public void EveryOptionSurvivesTheCommandLineAndPassesTheClisOwnValidation(string command, string name)
        {
            Operation operation = Operation.ForCommand(command)!;
            OperationArguments arguments = Sampled(operation, name);

            List<string> line = operation.ToCommandLine(arguments);

            Assert.Empty(Program.Validate(line.ToArray())); // System.CommandLine's parse, then the operation's checks
            OperationOption option = operation.Find(name)!;
            if (!option.IsPositional && option.Kind != OptionKind.Program)
            {
                Assert.Contains(option.Flag, line);
            }
            ParseResult parse = Program.BuildRoot().Parse(line.ToArray());
            OperationArguments read = ((OperationCommand)parse.CommandResult.Command).Read(parse);
            Assert.Equal(Describe(arguments), Describe(read));
        }

        [Theory]
        [InlineData("upload-directory")]
        [InlineData("download-directory")]
        [InlineData("process")]
        [InlineData("s3-transfer")]
        public void TheCliDeclaresExactlyTheOperationsOptions(string command)
        {
            Operation operation = Operation.ForCommand(command)!;
            Command declared = Program.BuildRoot().Subcommands.Single(c => c.Name == command);

            string[] described = operation.Options.Where(o => o.CmdletOnly == null && !o.IsPositional && o.Kind != OptionKind.Program).Select(o => o.Flag).OrderBy(f => f).ToArray();
            string[] options = declared.Options.Select(o => o.Name).Where(n => n != "--help" && n != "-h").OrderBy(f => f).ToArray();
            Assert.Equal(described, options);
            Assert.Equal(operation.Options.Where(o => o.IsPositional).Select(o => o.ArgumentName).Append(command == "process" ? "command" : null).Where(n => n != null),
                declared.Arguments.Select(a => a.Name));
        }

        [Fact]
        public void ACheckTheCommandWouldMakeAtItsStartFailsWhenTheServiceIsRegistered()
        {
            Assert.Equal(new[] { "--mode Disk writes files to disk: give --output-directory." },
                Program.Validate(new[] { "process", "lab", "--mode", "Disk", "--", "python3", "x.py" }));
            Assert.StartsWith("--filter", Assert.Single(Program.Validate(new[] { "download-directory", "/data", "--topic", "lab", "--filter", "(unclosed" })));
            Assert.Equal(new[] { "--throttle-limit must be from 1 to 64 (got 65)." },
                Program.Validate(new[] { "s3-transfer", "lab", "lab-bucket", "--throttle-limit", "65" }));
        }

        /// <summary>The option set to a sample value, with what the operation needs to run and what the option needs beside it.</summary>
        private static OperationArguments Sampled(Operation operation, string name)
        {
            var arguments = new OperationArguments(operation, OptionNaming.CommandLine, Path.GetFullPath);
            foreach (OperationOption needed in operation.Options.Where(o => o.Required || (o.Kind == OptionKind.Program && o.Name == "Command")))
            {
                arguments.Set(needed.Name, Sample(needed));
            }
            arguments.Set(name, Sample(operation.Find(name)!));
            if (name == "MetricsAddress")
            {
                arguments.Set("MetricsPort", 9464);
            }
            if (name == "Mode" && operation == Operation.Process)
            {
                arguments.Set("OutputDirectory", Path.GetFullPath("out"));
            }
            return arguments;
        }

        private static object Sample(OperationOption option) => option.Name switch
        {
            "Topic" => "lab",
            "Bucket" => "lab-bucket",
            "HeartbeatTopic" or "LogTopic" or "ResultTopic" => "lab_" + option.Name.ToLowerInvariant(),
            "EndpointUrl" => "http://127.0.0.1:9000",
            "MetricsAddress" => "0.0.0.0",
            "BootstrapServers" => "localhost:9092",
            "ChunkSize" => 262144, // checked against the config's message.max.bytes when the upload starts
            "Command" => new[] { "python3", "x.py", "{path}" },
            _ => option.Kind switch
            {
                OptionKind.Path => Path.GetFullPath("sample dir"),
                OptionKind.ConfigFile => "lab.config",
                OptionKind.Pattern => @"\.csv$",
                OptionKind.TextList => new[] { "*.csv", "**/*.txt" },
                OptionKind.Count => (int)Math.Min(option.Minimum + 2, option.Maximum),
                OptionKind.Bytes => Math.Max(option.Minimum, 10L * 1024 * 1024),
                OptionKind.Seconds => TimeSpan.FromSeconds(90.5),
                OptionKind.SecondsOrZero => TimeSpan.FromSeconds(7),
                OptionKind.Switch => true,
                OptionKind.Choice => (option.AllowedChoices ?? Enum.GetNames(option.Choices!)).Last(n => n != option.Default?.ToString()),
                OptionKind.Port => 9464,
                _ => "sample value",
            },
        };

        /// <summary>Each option given and its value; the program's parts (Command, ArgumentList) as the one list they are after "--".</summary>
        private static string[] Describe(OperationArguments arguments) =>
            arguments.Given.Where(g => g.Key.Kind != OptionKind.Program)
                .Select(g => g.Key.Name + "=" + (g.Value is IEnumerable items && !(g.Value is string) ? string.Join("|", items.Cast<object>()) : g.Value.ToString()))
                .Append("program=" + (arguments.Operation == Operation.Process ? string.Join("|", ProcessOperation.Program(arguments)) : string.Empty))
                .OrderBy(d => d, StringComparer.Ordinal).ToArray();
    }
}
