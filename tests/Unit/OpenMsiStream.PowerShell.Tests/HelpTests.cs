using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;
using OpenMsiStream.PowerShell.Tests.Support;
using Xunit;

namespace OpenMsiStream.PowerShell.Tests
{
    /// <summary>Module hygiene: help for every cmdlet, examples that bind, approved verbs, exports equal to the cmdlets.</summary>
    [Collection(ModuleCollection.Name)]
    public class HelpTests
    {
        private readonly ModuleFixture _module;

        public HelpTests(ModuleFixture module) => _module = module;

        /// <summary>The cmdlets the manifest exports (the test below checks that they are exactly the assembly's).</summary>
        public static TheoryData<string> Cmdlets()
        {
            var data = new TheoryData<string>();
            foreach (string name in CmdletNames())
            {
                data.Add(name);
            }
            return data;
        }

        private static string[] CmdletNames()
        {
            string manifest = File.ReadAllText(Path.Combine(ModuleFixture.RepoRoot, "OpenMsiStream.psd1"));
            string exports = System.Text.RegularExpressions.Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\((?<list>[^)]*)\)").Groups["list"].Value;
            return System.Text.RegularExpressions.Regex.Matches(exports, "'([^']+)'").Select(m => m.Groups[1].Value).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        }

        [Fact]
        public void TheManifestExportsExactlyTheCmdletsTheAssemblyDefines()
        {
            string[] defined = CmdletTypes().Select(CmdletName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            string[] exported = _module.Invoke("(Get-Module OpenMsiStream).ExportedCmdlets.Keys").Select(o => (string)o.BaseObject).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(defined, exported);
            Assert.Equal(defined, CmdletNames());
        }

        [Fact]
        public void EveryCmdletUsesAnApprovedVerbAndTheMsiNounPrefix()
        {
            var approved = new HashSet<string>(new[] { typeof(VerbsCommon), typeof(VerbsCommunications), typeof(VerbsData), typeof(VerbsDiagnostic), typeof(VerbsLifecycle), typeof(VerbsOther), typeof(VerbsSecurity) }
                .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static)).Select(f => (string)f.GetValue(null)!), StringComparer.Ordinal);
            foreach (Type type in CmdletTypes())
            {
                CmdletAttribute cmdlet = type.GetCustomAttribute<CmdletAttribute>()!;
                Assert.True(approved.Contains(cmdlet.VerbName), $"{cmdlet.VerbName}-{cmdlet.NounName}: '{cmdlet.VerbName}' is not an approved verb");
                Assert.StartsWith("Msi", cmdlet.NounName, StringComparison.Ordinal);
            }
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void GetHelpFullDescribesTheCmdletEveryParameterAndHasExamples(string cmdlet)
        {
            PSObject help = Assert.Single(_module.Invoke($"Get-Help {cmdlet} -Full"));
            string synopsis = (Str(help.Properties["Synopsis"]?.Value)).Trim();
            Assert.False(string.IsNullOrEmpty(synopsis));
            Assert.DoesNotContain(cmdlet + " ", synopsis, StringComparison.Ordinal); // an auto-generated synopsis is the syntax line
            Assert.NotEmpty(Texts(help, "description"));

            PSObject[] examples = Items(help, "examples", "example");
            Assert.True(examples.Length >= 2, $"{cmdlet} has {examples.Length} examples");
            Assert.All(examples, e => Assert.False(string.IsNullOrWhiteSpace(Str(e.Properties["code"]?.Value))));

            string[] documented = Items(help, "parameters", "parameter").Select(p => Str(p.Properties["name"]?.Value)).ToArray();
            string[] parameters = _module.Invoke($"(Get-Command {cmdlet}).Parameters.Keys").Select(o => (string)o.BaseObject)
                .Where(p => !Cmdlet.CommonParameters.Contains(p) && !Cmdlet.OptionalCommonParameters.Contains(p) || p == "WhatIf" || p == "Confirm").ToArray();
            Assert.Equal(parameters.OrderBy(p => p, StringComparer.Ordinal), documented.OrderBy(p => p, StringComparer.Ordinal));
            foreach (PSObject parameter in Items(help, "parameters", "parameter"))
            {
                string name = Str(parameter.Properties["name"]?.Value);
                Assert.True(Texts(parameter, "description").Any(t => t.Length > 0), $"{cmdlet} -{name} has no description");
                // A default is a value a user could give, or None: not a type name, not default(DateTime).
                string defaultValue = Str(parameter.Properties["defaultValue"]?.Value);
                Assert.False(defaultValue.Contains("System.", StringComparison.Ordinal) || defaultValue.Contains("0001", StringComparison.Ordinal),
                    $"{cmdlet} -{name} shows the default '{defaultValue}'");
                if (Str(parameter.Properties["required"]?.Value) == "true")
                {
                    Assert.True(defaultValue == "None", $"{cmdlet} -{name} is mandatory but shows the default '{defaultValue}'");
                }
            }
            Assert.NotEmpty(Items(help, "relatedLinks", "navigationLink"));
            // OUTPUTS: the types written, or None for a cmdlet that writes nothing.
            PSObject[] outputs = Items(help, "returnValues", "returnValue");
            Assert.True(outputs.Length > 0, $"{cmdlet} has no OUTPUTS entry");
            Assert.All(outputs, o => Assert.False(string.IsNullOrWhiteSpace(Str(PSObject.AsPSObject(o.Properties["type"]?.Value).Properties["name"]?.Value)), $"{cmdlet} has an OUTPUTS entry without a type"));
        }

        /// <summary>Every example parses, and every call of our cmdlets in it binds its parameters as written.</summary>
        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void EveryExampleParsesAndBindsAsWritten(string cmdlet)
        {
            PSObject help = Assert.Single(_module.Invoke($"Get-Help {cmdlet} -Full"));
            var ours = new HashSet<string>(CmdletNames(), StringComparer.OrdinalIgnoreCase);
            int bound = 0;
            foreach (PSObject example in Items(help, "examples", "example"))
            {
                string code = Str(example.Properties["code"]?.Value);
                ScriptBlockAst ast = Parser.ParseInput(code, out _, out ParseError[] errors);
                Assert.True(errors.Length == 0, $"{cmdlet} example does not parse: {string.Join("; ", errors.Select(e => e.Message))}\n{code}");
                foreach (CommandAst command in ast.FindAll(a => a is CommandAst, true).Cast<CommandAst>().Where(c => ours.Contains(c.GetCommandName() ?? string.Empty)))
                {
                    StaticBindingResult binding = StaticParameterBinder.BindCommand(command, resolve: true);
                    Assert.True(binding.BindingExceptions.Count == 0,
                        $"{cmdlet} example: {string.Join("; ", binding.BindingExceptions.Select(b => b.Key + ": " + b.Value.BindingException?.Message))}\n{code}");
                    bound++;
                }
            }
            Assert.True(bound >= 2, $"the examples of {cmdlet} call our cmdlets only {bound} times");
        }

        [Theory]
        [InlineData("about_OpenMsiStream")]
        [InlineData("about_OpenMsiStream_Configuration")]
        [InlineData("about_OpenMsiStream_Services")]
        public void TheAboutTopicsAreThere(string topic)
        {
            string path = Path.Combine(Path.GetDirectoryName(_module.ManifestPath)!, "en-US", topic + ".help.txt");
            string text = File.ReadAllText(path);
            Assert.StartsWith("TOPIC", text.TrimStart(), StringComparison.Ordinal);
            Assert.Contains(topic, text, StringComparison.Ordinal);
            Assert.Contains("SHORT DESCRIPTION", text, StringComparison.Ordinal);
            Assert.True(text.Split('\n').All(l => l.TrimEnd('\r').Length <= 80), $"{topic}: lines must fit 80 columns");
            string shown = string.Join("\n", _module.Invoke($"Get-Help {topic}").Select(o => o.ToString()));
            Assert.Contains("SHORT DESCRIPTION", shown, StringComparison.Ordinal);
        }

        private static string Str(object? value) => (value is PSObject wrapped ? wrapped.BaseObject : value)?.ToString() ?? string.Empty;

        private static PSObject[] Items(PSObject help, string container, string item)
        {
            object? value = help.Properties[container]?.Value;
            if (value == null)
            {
                return Array.Empty<PSObject>();
            }
            object? items = PSObject.AsPSObject(value).Properties[item]?.Value;
            return items switch
            {
                null => Array.Empty<PSObject>(),
                object[] array => array.Select(PSObject.AsPSObject).ToArray(),
                _ => new[] { PSObject.AsPSObject(items) },
            };
        }

        private static string[] Texts(PSObject item, string property)
        {
            object? value = item.Properties[property]?.Value;
            IEnumerable<object> entries = value switch
            {
                null => Enumerable.Empty<object>(),
                object[] array => array,
                _ => new[] { value },
            };
            return entries.Select(e => (PSObject.AsPSObject(e).Properties["Text"]?.Value as string ?? e.ToString() ?? string.Empty).Trim()).ToArray();
        }

        /// <summary>The module's cmdlet classes, from the assembly the imported module loaded.</summary>
        private IEnumerable<Type> CmdletTypes()
        {
            Assembly assembly = (Assembly)Assert.Single(_module.Invoke("[OpenMsiStream.PowerShell.Commands.SendMsiDataFileCommand].Assembly")).BaseObject;
            return assembly.GetTypes().Where(t => !t.IsAbstract && t.GetCustomAttribute<CmdletAttribute>() != null);
        }

        private static string CmdletName(Type type)
        {
            CmdletAttribute cmdlet = type.GetCustomAttribute<CmdletAttribute>()!;
            return cmdlet.VerbName + "-" + cmdlet.NounName;
        }
    }
}
