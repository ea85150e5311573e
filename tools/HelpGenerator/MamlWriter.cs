using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Xml.Linq;

namespace OpenMsiStream.HelpGenerator
{
    /// <summary>Writes PowerShell's MAML help format (what Get-Help reads for binary modules).</summary>
    internal sealed class MamlWriter
    {
        private static readonly XNamespace Msh = "http://msh";
        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        /// <summary>Parameters every cmdlet has; Get-Help lists them as CommonParameters. -WhatIf and -Confirm are documented.</summary>
        private static readonly HashSet<string> CommonParameters = new HashSet<string>(
            System.Management.Automation.Cmdlet.CommonParameters.Concat(System.Management.Automation.Cmdlet.OptionalCommonParameters)
                .Where(p => p != "WhatIf" && p != "Confirm"),
            StringComparer.OrdinalIgnoreCase);

        private static readonly Dictionary<string, string> RiskParameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["WhatIf"] = "Shows what would happen if the cmdlet runs. The cmdlet is not run.",
            ["Confirm"] = "Prompts you for confirmation before running the cmdlet.",
        };

        private readonly DocComments _docs;
        private readonly IReadOnlyList<CmdletInfo> _cmdlets;
        private readonly List<string> _problems;
        private readonly Dictionary<string, string> _cmdletByType;

        private readonly IReadOnlyDictionary<string, string> _online;

        public MamlWriter(DocComments docs, IReadOnlyList<CmdletInfo> cmdlets, List<string> problems, IReadOnlyDictionary<string, string> online)
        {
            _docs = docs;
            _cmdlets = cmdlets;
            _problems = problems;
            _online = online;
            _cmdletByType = cmdlets.ToDictionary(c => "T:" + c.ImplementingType.FullName, c => c.Name, StringComparer.Ordinal);
        }

        public XDocument Write() => new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
                new XAttribute(XNamespace.Xmlns + "maml", Maml), new XAttribute(XNamespace.Xmlns + "command", Command), new XAttribute(XNamespace.Xmlns + "dev", Dev),
                _cmdlets.Select(CommandElement)));

        private XElement CommandElement(CmdletInfo cmdlet)
        {
            XElement? doc = _docs.Find("T:" + cmdlet.ImplementingType.FullName);
            string synopsis = string.Join(" ", _docs.Paragraphs(doc, "synopsis"));
            IReadOnlyList<string> description = _docs.Paragraphs(doc, "description");
            List<XElement> examples = doc?.Elements("example").ToList() ?? new List<XElement>();
            Require(synopsis.Length > 0, $"{cmdlet.Name} has no <para type=\"synopsis\">");
            Require(description.Count > 0, $"{cmdlet.Name} has no <para type=\"description\">");
            Require(examples.Count >= 2, $"{cmdlet.Name} has {examples.Count} <example> (at least 2 needed)");
            List<ParameterMetadata> parameters = cmdlet.Parameters.Values
                .Where(p => !CommonParameters.Contains(p.Name))
                .OrderBy(p => Position(cmdlet, p.Name)).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
            object? defaults = TryCreate(cmdlet.ImplementingType);

            return new XElement(Command + "command",
                new XElement(Command + "details",
                    new XElement(Command + "name", cmdlet.Name),
                    new XElement(Maml + "description", Para(synopsis)),
                    new XElement(Command + "verb", cmdlet.Verb),
                    new XElement(Command + "noun", cmdlet.Noun)),
                new XElement(Maml + "description", description.Select(Para)),
                new XElement(Command + "syntax", cmdlet.ParameterSets.Select(set => SyntaxItem(cmdlet, set))),
                new XElement(Command + "parameters", parameters.Select(p => ParameterElement(cmdlet, p, defaults, set: null))),
                new XElement(Command + "inputTypes", InputTypes(cmdlet)),
                new XElement(Command + "returnValues", ReturnValues(cmdlet)),
                new XElement(Maml + "alertSet", new XElement(Maml + "alert", _docs.Paragraphs(doc, "notes").Select(Para))),
                new XElement(Command + "examples", examples.Select((e, i) => ExampleElement(e, i + 1))),
                new XElement(Maml + "relatedLinks", RelatedLinks(cmdlet, doc)));
        }

        private XElement SyntaxItem(CmdletInfo cmdlet, CommandParameterSetInfo set) =>
            new XElement(Command + "syntaxItem",
                new XElement(Maml + "name", cmdlet.Name),
                set.Parameters.Where(p => !CommonParameters.Contains(p.Name))
                    .OrderBy(p => p.Position < 0 ? int.MaxValue : p.Position).ThenBy(p => p.IsMandatory ? 0 : 1).ThenBy(p => p.Name, StringComparer.Ordinal)
                    .Select(p => ParameterElement(cmdlet, cmdlet.Parameters[p.Name], defaults: null, set: p)));

        private XElement ParameterElement(CmdletInfo cmdlet, ParameterMetadata parameter, object? defaults, CommandParameterInfo? set)
        {
            // In the parameter list a parameter is described by its strictest binding over all sets.
            List<CommandParameterInfo> bindings = set != null ? new List<CommandParameterInfo> { set }
                : cmdlet.ParameterSets.SelectMany(s => s.Parameters).Where(p => p.Name == parameter.Name).ToList();
            bool required = bindings.Count > 0 && bindings.All(b => b.IsMandatory);
            int position = bindings.Select(b => b.Position).Where(p => p >= 0).DefaultIfEmpty(-1).Min();
            string pipeline = Pipeline(bindings);
            string description = ParameterDescription(cmdlet, parameter.Name);
            Type type = parameter.ParameterType;
            string typeName = type == typeof(SwitchParameter) ? "SwitchParameter" : TypeName(type);
            var element = new XElement(Command + "parameter",
                new XAttribute("required", required ? "true" : "false"),
                new XAttribute("variableLength", type.IsArray ? "true" : "false"),
                new XAttribute("globbing", IsWildcard(cmdlet, parameter.Name) ? "true" : "false"),
                new XAttribute("pipelineInput", pipeline),
                new XAttribute("position", position >= 0 ? position.ToString(CultureInfo.InvariantCulture) : "named"),
                new XAttribute("aliases", parameter.Aliases.Count > 0 ? string.Join(", ", parameter.Aliases) : "none"),
                new XElement(Maml + "name", parameter.Name),
                new XElement(Maml + "description", Para(description)));
            if (type.IsEnum)
            {
                element.Add(new XElement(Command + "parameterValueGroup",
                    Enum.GetNames(type).Select(n => new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), n))));
            }
            if (type != typeof(SwitchParameter))
            {
                element.Add(new XElement(Command + "parameterValue", new XAttribute("required", "true"), new XAttribute("variableLength", type.IsArray ? "true" : "false"), typeName));
            }
            element.Add(new XElement(Dev + "type", new XElement(Maml + "name", typeName)));
            if (set == null)
            {
                element.Add(new XElement(Dev + "defaultValue", required ? "None" : DefaultValue(cmdlet, parameter.Name, defaults)));
            }
            return element;
        }

        private string ParameterDescription(CmdletInfo cmdlet, string name)
        {
            if (RiskParameters.TryGetValue(name, out string? risk))
            {
                return risk;
            }
            PropertyInfo? property = cmdlet.ImplementingType.GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            string text = property == null ? string.Empty : _docs.Summary("P:" + property.DeclaringType!.FullName + "." + property.Name);
            Require(text.Length > 0, $"{cmdlet.Name} -{name} has no <summary>");
            return text;
        }

        private static string Pipeline(IReadOnlyList<CommandParameterInfo> bindings)
        {
            bool byValue = bindings.Any(b => b.ValueFromPipeline), byName = bindings.Any(b => b.ValueFromPipelineByPropertyName);
            return byValue && byName ? "True (ByValue, ByPropertyName)" : byValue ? "True (ByValue)" : byName ? "True (ByPropertyName)" : "False";
        }

        private static bool IsWildcard(CmdletInfo cmdlet, string name) =>
            cmdlet.ImplementingType.GetProperty(name)?.GetCustomAttributes(typeof(SupportsWildcardsAttribute), true).Length > 0;

        private static int Position(CmdletInfo cmdlet, string name) =>
            cmdlet.ParameterSets.SelectMany(s => s.Parameters).Where(p => p.Name == name && p.Position >= 0).Select(p => p.Position).DefaultIfEmpty(int.MaxValue).Min();

        private IEnumerable<XElement> InputTypes(CmdletInfo cmdlet)
        {
            var inputs = cmdlet.ParameterSets.SelectMany(s => s.Parameters)
                .Where(p => p.ValueFromPipeline || p.ValueFromPipelineByPropertyName)
                .GroupBy(p => p.Name).Select(g => g.First()).ToList();
            if (inputs.Count == 0)
            {
                yield return new XElement(Command + "inputType", new XElement(Dev + "type", new XElement(Maml + "name", "None")),
                    new XElement(Maml + "description", Para("You cannot pipe objects to this cmdlet.")));
                yield break;
            }
            foreach (CommandParameterInfo input in inputs)
            {
                string how = input.ValueFromPipeline ? "as input or by the property name" : "by the property name";
                yield return new XElement(Command + "inputType", new XElement(Dev + "type", new XElement(Maml + "name", TypeName(input.ParameterType))),
                    new XElement(Maml + "description", Para($"-{input.Name} binds from the pipeline {how} {input.Name}{Aliases(input)}.")));
            }
        }

        /// <summary>The declared output types; a cmdlet that declares none (or only void) writes no output, and says so.</summary>
        private IEnumerable<XElement> ReturnValues(CmdletInfo cmdlet)
        {
            List<PSTypeName> types = cmdlet.OutputType.Where(t => t.Type != typeof(void)).ToList();
            if (types.Count == 0)
            {
                yield return new XElement(Command + "returnValue", new XElement(Dev + "type", new XElement(Maml + "name", "None")),
                    new XElement(Maml + "description", Para("This cmdlet writes no output.")));
                yield break;
            }
            foreach (PSTypeName type in types)
            {
                yield return new XElement(Command + "returnValue",
                    new XElement(Dev + "type", new XElement(Maml + "name", type.Name)),
                    new XElement(Maml + "description", Para(_docs.Summary("T:" + type.Name))));
            }
        }

        private static string Aliases(CommandParameterInfo parameter) =>
            parameter.Aliases.Count > 0 ? " (or " + string.Join(", ", parameter.Aliases) + ")" : string.Empty;

        private static XElement ExampleElement(XElement example, int number)
        {
            XElement? code = example.Element("code");
            return new XElement(Command + "example",
                new XElement(Maml + "title", $"-------------------------- Example {number} --------------------------"),
                new XElement(Dev + "code", code == null ? string.Empty : DocComments.Code(code)),
                new XElement(Dev + "remarks", example.Elements("para").Select(p => Para(DocComments.Text(p)))));
        }

        private IEnumerable<XElement> RelatedLinks(CmdletInfo cmdlet, XElement? doc)
        {
            var links = new List<XElement>();
            if (_online.TryGetValue(cmdlet.Name, out string? address))
            {
                // Get-Help -Online opens the first related link that has an address; "Online Version:" is PowerShell's own label.
                links.Add(Link("Online Version:", address));
            }
            foreach (XElement see in doc?.Elements("seealso") ?? Enumerable.Empty<XElement>())
            {
                string? cref = (string?)see.Attribute("cref");
                string? href = (string?)see.Attribute("href");
                if (cref != null && _cmdletByType.TryGetValue(cref, out string? name))
                {
                    links.Add(Link(name, string.Empty));
                }
                else if (href != null)
                {
                    links.Add(Link(see.Value.Trim().Length > 0 ? see.Value.Trim() : href, href));
                }
                else
                {
                    _problems.Add($"{cmdlet.Name}: <seealso cref=\"{cref}\"> is not a cmdlet of the module");
                }
            }
            links.Add(Link("about_OpenMsiStream", string.Empty));
            return links;
        }

        private static XElement Link(string text, string uri) =>
            new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", text), new XElement(Maml + "uri", uri));

        private static XElement Para(string text) => new XElement(Maml + "para", text);

        private static object? TryCreate(Type type)
        {
            try
            {
                return Activator.CreateInstance(type);
            }
            catch (Exception)
            {
                return null;
            }
        }

        /// <summary>
        /// The default shown by Get-Help: a [PSDefaultValue] on the property (its Help, else its Value) where the
        /// real default is decided elsewhere, else the value a new cmdlet object holds. A value that is not one
        /// a user could give (outside [ValidateRange], default(DateTime), an object without a readable value)
        /// means "not given", shown as None; so is an empty string, array or zero time span.
        /// </summary>
        private static string DefaultValue(CmdletInfo cmdlet, string name, object? instance)
        {
            PropertyInfo? property = cmdlet.ImplementingType.GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            if (property?.GetCustomAttribute<PSDefaultValueAttribute>(true) is PSDefaultValueAttribute explicitDefault)
            {
                string? text = !string.IsNullOrEmpty(explicitDefault.Help) ? explicitDefault.Help : explicitDefault.Value?.ToString();
                return string.IsNullOrEmpty(text) ? "None" : text!;
            }
            if (instance == null || property == null)
            {
                return "None";
            }
            object? value;
            try
            {
                value = property.GetValue(instance);
            }
            catch (Exception)
            {
                return "None";
            }
            if (value != null && OutsideValidRange(property, value))
            {
                return "None";
            }
            string shown = value switch
            {
                null => "None",
                DateTime d when d == default => "None",
                DateTimeOffset d when d == default => "None",
                SwitchParameter s => s.IsPresent ? "True" : "False",
                string s when s.Length == 0 => "None",
                string s => s,
                TimeSpan t when t == TimeSpan.Zero => "None",
                TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
                Array a when a.Length == 0 => "None",
                IEnumerable e when !(value is string) => string.Join(", ", e.Cast<object>()),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "None",
            };
            // An object whose ToString is its type's name (a SecureString, a credential) has no value to show.
            return value != null && (shown == value.GetType().FullName || shown == value.GetType().Name) ? "None" : shown;
        }

        private static bool OutsideValidRange(PropertyInfo property, object value)
        {
            ValidateRangeAttribute? range = property.GetCustomAttribute<ValidateRangeAttribute>(true);
            if (range?.MinRange is not IComparable min || range.MaxRange is not IComparable max || value is not IConvertible)
            {
                return false;
            }
            try
            {
                object converted = Convert.ChangeType(value, min.GetType(), CultureInfo.InvariantCulture);
                return min.CompareTo(converted) > 0 || max.CompareTo(converted) < 0;
            }
            catch (Exception)
            {
                return false;
            }
        }

        private static string TypeName(Type type)
        {
            if (type.IsArray)
            {
                return TypeName(type.GetElementType()!) + "[]";
            }
            Type? nullable = Nullable.GetUnderlyingType(type);
            return nullable != null ? TypeName(nullable) : type.FullName ?? type.Name;
        }

        private void Require(bool condition, string problem)
        {
            if (!condition)
            {
                _problems.Add(problem);
            }
        }
    }
}
