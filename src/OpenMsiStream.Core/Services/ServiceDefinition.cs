using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Services
{
    public enum ServiceScope
    {
        /// <summary>A system service (systemd system unit, Windows service): needs root or admin rights.</summary>
        System,

        /// <summary>A per-user service (systemd --user unit, a Windows scheduled task at logon): no admin rights.</summary>
        User,
    }

    /// <summary>
    /// What a service runs, stored as readable JSON beside its unit (see <see cref="ServiceLayout"/>):
    /// the `openmsistream` command line, where it runs and as whom. The service host reads it at every
    /// start, so the file is the single truth about the service.
    /// </summary>
    public sealed class ServiceDefinition
    {
        private static readonly Regex ValidName = new Regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", RegexOptions.CultureInvariant);
        private static readonly JsonSerializerOptions Json = new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            Converters = { new JsonStringEnumConverter() },
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };

        public string Name { get; set; } = string.Empty;

        public string Description { get; set; } = string.Empty;

        public ServiceScope Scope { get; set; }

        /// <summary>The `openmsistream` arguments, for example ["upload-directory", "/data", "--topic", "lab", ...].</summary>
        public List<string> Arguments { get; set; } = new List<string>();

        /// <summary>The directory relative paths in <see cref="Arguments"/> are resolved against (the one it was registered from).</summary>
        public string WorkingDirectory { get; set; } = string.Empty;

        /// <summary>The account a system service runs as (never root unless asked for by name); null for user services.</summary>
        public string? RunAs { get; set; }

        /// <summary>The program that runs it: the `openmsistream` executable (or dotnet and the dll).</summary>
        public List<string> Executable { get; set; } = new List<string>();

        /// <summary>Names of the environment variables kept in the secrets file (values never here).</summary>
        public List<string> EnvironmentVariables { get; set; } = new List<string>();

        public DateTimeOffset RegisteredAt { get; set; }

        /// <summary>The `openmsistream` commands that run until stopped, and so make sense as services.</summary>
        public static IReadOnlyList<string> LongRunningCommands { get; } = Operations.Operation.LongRunning.Select(o => o.Command).ToList();

        /// <summary>A service's command line must start with one of <see cref="LongRunningCommands"/>.</summary>
        public static void ValidateCommand(IReadOnlyList<string> arguments)
        {
            if (arguments.Count == 0 || !LongRunningCommands.Contains(arguments[0]))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    $"'{(arguments.Count == 0 ? string.Empty : arguments[0])}' does not run until stopped; a service runs one of: {string.Join(", ", LongRunningCommands)}.",
                    target: arguments.Count == 0 ? null : arguments[0]);
            }
        }

        public static void ValidateName(string name)
        {
            if (name == null || !ValidName.IsMatch(name))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    $"'{name}' cannot be a service name: use 1 to 64 letters, digits, '_', '.' and '-', starting with a letter or digit.", target: name);
            }
        }

        public string ToJson() => JsonSerializer.Serialize(this, Json);

        public static ServiceDefinition Read(string path, string name)
        {
            if (!File.Exists(path))
            {
                throw new OpenMsiStreamException(ErrorIds.ServiceNotFound,
                    $"There is no service '{name}' (no definition at '{path}').", target: name);
            }
            try
            {
                return JsonSerializer.Deserialize<ServiceDefinition>(File.ReadAllText(path), Json)
                    ?? throw new JsonException("empty");
            }
            catch (JsonException ex)
            {
                throw new OpenMsiStreamException(ErrorIds.ConfigFileInvalid,
                    $"The service definition '{path}' is not valid JSON: {ex.Message}", ex, name);
            }
        }

        /// <summary>The program id the service reports under: its name, unless its arguments give one.</summary>
        public IReadOnlyList<string> ArgumentsWithProgramId()
        {
            var arguments = new List<string>(Arguments);
            if (!arguments.Contains("--program-id"))
            {
                int separator = arguments.IndexOf("--");
                arguments.InsertRange(separator < 0 ? arguments.Count : separator, new[] { "--program-id", Name });
            }
            return arguments;
        }
    }
}
