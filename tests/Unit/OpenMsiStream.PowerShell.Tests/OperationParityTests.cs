using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using OpenMsiStream.PowerShell.Tests.Support;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.PowerShell.Tests
{
    /// <summary>
    /// The cmdlets' half of the parity between the front ends (the CLI's half is OperationParityTests in the
    /// Core tests): each long-running cmdlet has exactly the parameters its operation describes, with the
    /// same defaults, and every parameter goes through Register-MsiService's translator — and so through the
    /// operation's checks, the ones the CLI runs — into the command line, or is refused with its reason.
    /// The descriptions are read from the module's own Core (in its load context), not from a copy.
    /// </summary>
    [Collection(ModuleCollection.Name)]
    public sealed class OperationParityTests : IDisposable
    {
        private static readonly HashSet<string> CommonParameters = new HashSet<string>(
            System.Management.Automation.Cmdlet.CommonParameters.Concat(System.Management.Automation.Cmdlet.OptionalCommonParameters), StringComparer.OrdinalIgnoreCase);

        private readonly ModuleFixture _module;
        private readonly TempDirectory _temp = new TempDirectory("psparity");
        private readonly string? _previousRoot = Environment.GetEnvironmentVariable("OPENMSISTREAM_SERVICE_ROOT");
        private readonly string _root;
        private readonly string _config;
        private int _registered;

        public OperationParityTests(ModuleFixture module)
        {
            _module = module;
            _root = Directory.CreateDirectory(_temp.Combine("root")).FullName;
            Environment.SetEnvironmentVariable("OPENMSISTREAM_SERVICE_ROOT", _root);
            _config = _temp.Combine("lab.config");
            File.WriteAllText(_config, "[broker]\nbootstrap.servers = localhost:9092\n");
        }

        public void Dispose()
        {
            Environment.SetEnvironmentVariable("OPENMSISTREAM_SERVICE_ROOT", _previousRoot);
            _temp.Dispose();
        }

        [Fact]
        public void EveryLongRunningCmdletHasItsOperationsParametersAndDefaults()
        {
            foreach (object item in Operations())
            {
                dynamic operation = item;
                IEnumerable<dynamic> options = Options(item);
                string cmdlet = operation.Cmdlet;
                CmdletInfo info = (CmdletInfo)Assert.Single(_module.Invoke($"Get-Command {cmdlet}")).BaseObject;
                string[] parameters = info.Parameters.Keys.Where(p => !CommonParameters.Contains(p)).OrderBy(p => p).ToArray();
                string[] described = options.Where(o => !(bool)o.Common).Select(o => (string)o.Name).OrderBy(n => n).ToArray();
                Assert.True(described.SequenceEqual(parameters), $"{cmdlet}: parameters [{string.Join(", ", parameters)}], operation [{string.Join(", ", described)}]");

                object instance = Activator.CreateInstance(info.ImplementingType)!;
                foreach (dynamic option in options.Where(o => o.Default != null && !(bool)o.Common))
                {
                    object? initial = info.ImplementingType.GetProperty((string)option.Name)!.GetValue(instance);
                    Assert.True(string.Equals(Convert.ToString(option.Default), Convert.ToString(initial is SwitchParameter s ? s.IsPresent : initial)),
                        $"{cmdlet} -{option.Name}: cmdlet default '{initial}', operation default '{option.Default}'");
                }
            }
        }

        [Fact]
        public void EveryParameterOfEveryServiceCapableCmdletBecomesItsOptionOrIsRefusedWithTheReason()
        {
            int translated = 0, refused = 0;
            foreach (object item in Operations())
            {
                dynamic operation = item;
                string cmdlet = operation.Cmdlet;
                Dictionary<string, string> required = Base((string)operation.Command);
                foreach (dynamic option in Options(item).Where(o => !(bool)o.Common && !required.ContainsKey((string)o.Name)))
                {
                    string name = option.Name;
                    var given = new Dictionary<string, string>(required, StringComparer.OrdinalIgnoreCase) { [name] = Sample(option) };
                    foreach (KeyValuePair<string, string> companion in Companions(cmdlet, name).ToList())
                    {
                        given[companion.Key] = companion.Value;
                    }
                    if (name == "ScriptBlock" || name == "Handler" || name == "Metadata")
                    {
                        given.Remove("Command"); // another parameter set
                    }
                    string call = cmdlet + " " + string.Join(" ", given.Select((KeyValuePair<string, string> g) => g.Value.Length == 0 ? "-" + g.Key : $"-{g.Key} {g.Value}"));
                    string service = "parity-" + (++_registered);
                    using var ps = _module.Create();
                    ps.AddScript($"Register-MsiService {service} {{ {call} }} -CliPath '{ModuleFixture.CliApphost}' -RunAs labuser");
                    ps.Invoke();

                    if (option.CmdletOnly is string why)
                    {
                        ErrorRecord error = Assert.Single(ps.Streams.Error);
                        Assert.StartsWith("ServiceCommandUnsupported,", error.FullyQualifiedErrorId);
                        Assert.Contains(why, error.Exception.Message);
                        refused++;
                        continue;
                    }
                    Assert.True(ps.Streams.Error.Count == 0, $"{call}: {string.Join("; ", ps.Streams.Error.Select(e => e.Exception.Message))}");
                    string[] line = StoredArguments(service);
                    Assert.Equal((string)operation.Command, line[0]);
                    string flag = option.Flag;
                    bool positional = option.IsPositional;
                    bool found = (string)option.Kind.ToString() == "Program" ? line.Contains("--") && line.Last() == "{path}" : positional ? line.Length > 1 : line.Contains(flag);
                    Assert.True(found, $"{call} → {string.Join(" ", line)}: no {flag}");
                    translated++;
                }
            }
            Assert.True(translated >= 90, $"only {translated} parameters translated");
            Assert.True(refused >= 5, $"only {refused} parameters refused");
        }

        private IEnumerable<object> Operations()
        {
            _module.Invoke("Get-Command Start-MsiUploadDirectory | Out-Null");
            Assembly core = AppDomain.CurrentDomain.GetAssemblies().First(a => a.GetName().Name == "OpenMsiStream.Core" && a.GetType("OpenMsiStream.Operations.Operation") != null);
            var all = (IEnumerable)core.GetType("OpenMsiStream.Operations.Operation")!.GetProperty("LongRunning")!.GetValue(null)!;
            return all.Cast<object>();
        }

        private static IEnumerable<dynamic> Options(object operation) => ((IEnumerable)((dynamic)operation).Options).Cast<object>();

        /// <summary>What each cmdlet needs to run at all, in PowerShell syntax.</summary>
        private Dictionary<string, string> Base(string command) => command switch
        {
            "upload-directory" => new Dictionary<string, string> { ["Path"] = $"'{_temp.Path}'", ["Topic"] = "lab", ["Config"] = $"'{_config}'" },
            "download-directory" => new Dictionary<string, string> { ["Topic"] = "lab", ["OutputDirectory"] = "out", ["Config"] = $"'{_config}'" },
            "process" => new Dictionary<string, string> { ["Topic"] = "lab", ["Command"] = "python3", ["Config"] = $"'{_config}'" },
            _ => new Dictionary<string, string> { ["Topic"] = "lab", ["Bucket"] = "lab-bucket", ["Config"] = $"'{_config}'" },
        };

        /// <summary>Parameters one parameter needs beside it.</summary>
        private static IEnumerable<KeyValuePair<string, string>> Companions(string cmdlet, string name) => name switch
        {
            "MetricsAddress" => new[] { new KeyValuePair<string, string>("MetricsPort", "9464") },
            "Mode" when cmdlet == "Invoke-MsiStreamProcessor" => new[] { new KeyValuePair<string, string>("OutputDirectory", "out") },
            "Metadata" => new[] { new KeyValuePair<string, string>("ResultTopic", "lab_results") },
            _ => Array.Empty<KeyValuePair<string, string>>(),
        };

        /// <summary>A value of the option's kind in PowerShell syntax (a switch: none).</summary>
        private static string Sample(dynamic option) => (string)option.Name switch
        {
            "HeartbeatTopic" or "LogTopic" or "ResultTopic" => "lab_" + ((string)option.Name).ToLowerInvariant(),
            "EndpointUrl" => "'http://127.0.0.1:9000'",
            "MetricsAddress" => "0.0.0.0",
            "BootstrapServers" => "localhost:9092",
            "ChunkSize" => "262144",
            "ArgumentList" => "'x.py', '{path}'",
            "ScriptBlock" => "{ $_.Length }",
            "Handler" => "([OpenMsiStream.PowerShell.Tests.NoSuchHandler]::new())",
            "Credential" => "$null",
            _ => ((string)option.Kind.ToString()) switch
            {
                "Path" => "'sample dir'",
                "ConfigFile" => "lab.config",
                "Pattern" => @"'\.csv$'",
                "TextList" => "'*.csv', '**/*.txt'",
                "Count" => "3",
                "Bytes" => "10MB",
                "Seconds" => "90.5",
                "SecondsOrZero" => "'0:00:07'",
                "Switch" => string.Empty,
                "Choice" => ChoiceSample(option),
                "Port" => "9464",
                _ => "sample",
            },
        };

        private static string ChoiceSample(dynamic option)
        {
            string[] names = option.AllowedChoices ?? Enum.GetNames((Type)option.Choices);
            return names.Last(n => n != Convert.ToString(option.Default));
        }

        private string[] StoredArguments(string name)
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, "etc/openmsistream/services", name + ".json")));
            return json.RootElement.GetProperty("arguments").EnumerateArray().Select(a => a.GetString()!).ToArray();
        }
    }
}
