using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Processes;

namespace OpenMsiStream.Processing
{
    /// <summary>
    /// Runs a program on every file, for analysis code in any language. Exit code 0 means processed.
    /// Standard output becomes the file's result message(s) (see <see cref="ResultMessagesFrom"/>);
    /// standard output and error are kept in the result's log.
    /// </summary>
    /// <remarks>
    /// Arguments may hold placeholders, replaced per file: <c>{path}</c> (the file on disk; a temporary
    /// copy in memory mode), <c>{relativePath}</c>, <c>{name}</c>, <c>{sha512}</c>, <c>{topic}</c>. The same
    /// values are in the environment variables OPENMSISTREAM_PATH, OPENMSISTREAM_RELATIVE_PATH,
    /// OPENMSISTREAM_NAME, OPENMSISTREAM_SHA512 and OPENMSISTREAM_TOPIC. The file's user metadata is in
    /// OPENMSISTREAM_METADATA, a JSON object of strings (<c>{}</c> when it has none): an environment variable
    /// rather than a placeholder, so that values the producer chose never become arguments of the program.
    /// </remarks>
    public sealed class ExternalCommandHandler : FileHandler
    {
        /// <summary>Kept of each stream; a program that prints more has the middle cut out.</summary>
        private const int MaxCapturedChars = 1 << 20;
        private static readonly MethodInfo? KillTree = typeof(Process).GetMethod("Kill", new[] { typeof(bool) });

        /// <summary>The environment variable that holds the file's user metadata as a JSON object.</summary>
        public const string MetadataVariable = "OPENMSISTREAM_METADATA";

        private readonly string _program;
        private readonly IReadOnlyList<string> _arguments;
        private readonly string _workingDirectory;
        private readonly string _scratchDirectory;

        /// <param name="command">The program: a path, or a name looked up on PATH.</param>
        /// <param name="arguments">Its arguments, each passed as one argument whatever it contains, after placeholder replacement.</param>
        /// <param name="workingDirectory">Where it runs.</param>
        /// <param name="scratchDirectory">Where files received into memory are written for the program to read.</param>
        public ExternalCommandHandler(string command, IReadOnlyList<string> arguments, string workingDirectory, string scratchDirectory)
        {
            _program = Resolve(command, workingDirectory);
            _arguments = arguments;
            _workingDirectory = workingDirectory;
            _scratchDirectory = scratchDirectory;
        }

        /// <summary>The program that runs, as found.</summary>
        public string Program => _program;

        public override async Task<HandlerOutcome> HandleAsync(ReceivedFile file, CancellationToken cancellationToken)
        {
            string? scratch = null;
            try
            {
                string path = file.FullName ?? (scratch = WriteScratchCopy(file));
                var values = new Dictionary<string, string>
                {
                    ["{path}"] = path,
                    ["{relativePath}"] = file.RelativePath,
                    ["{name}"] = file.Name,
                    ["{sha512}"] = file.Sha512,
                    ["{topic}"] = file.Topic,
                };
                IEnumerable<string> arguments = _arguments.Select(argument => values.Aggregate(argument, (text, pair) => text.Replace(pair.Key, pair.Value)));
                var start = new ProcessStartInfo(_program)
                {
                    WorkingDirectory = _workingDirectory,
                    UseShellExecute = false,
                    RedirectStandardInput = true,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    StandardOutputEncoding = new UTF8Encoding(false),
                    StandardErrorEncoding = new UTF8Encoding(false),
                    CreateNoWindow = true,
                };
                CommandLine.SetArguments(start, arguments.ToList());
                start.Environment["OPENMSISTREAM_PATH"] = path;
                start.Environment["OPENMSISTREAM_RELATIVE_PATH"] = file.RelativePath;
                start.Environment["OPENMSISTREAM_NAME"] = file.Name;
                start.Environment["OPENMSISTREAM_SHA512"] = file.Sha512;
                start.Environment["OPENMSISTREAM_TOPIC"] = file.Topic;
                start.Environment[MetadataVariable] = Wire.FileMetadata.ToJson(file.Metadata);
                return await RunAsync(start, file, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (scratch != null)
                {
                    TryDeleteDirectory(Path.GetDirectoryName(scratch)!);
                }
            }
        }

        /// <summary>
        /// Standard output as result messages: nothing when empty; the text itself when it is one JSON
        /// document; one message per line when every line is a JSON document (JSON Lines); otherwise the
        /// whole text as a JSON string.
        /// </summary>
        public static IReadOnlyList<string> ResultMessagesFrom(string stdout)
        {
            string trimmed = stdout.Trim();
            if (trimmed.Length == 0)
            {
                return Array.Empty<string>();
            }
            if (IsJson(trimmed))
            {
                return new[] { trimmed };
            }
            string[] lines = trimmed.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0).ToArray();
            if (lines.Length > 1 && lines.All(IsJson))
            {
                return lines;
            }
            return new[] { JsonSerializer.Serialize(trimmed) };
        }

        private async Task<HandlerOutcome> RunAsync(ProcessStartInfo start, ReceivedFile file, CancellationToken cancellationToken)
        {
            using var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            var exited = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.Exited += (_, __) => exited.TrySetResult(true);
            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new OpenMsiStreamException(ErrorIds.CommandNotFound,
                    $"Cannot start '{_program}': {ex.Message}", ex, _program);
            }
            process.StandardInput.Close();
            Task<string> stdout = ReadCappedAsync(process.StandardOutput);
            Task<string> stderr = ReadCappedAsync(process.StandardError);
            using (cancellationToken.Register(() => Kill(process)))
            {
                await exited.Task.ConfigureAwait(false);
                string output = await stdout.ConfigureAwait(false);
                string errors = await stderr.ConfigureAwait(false);
                process.WaitForExit(); // lets the exit code settle after the streams closed
                string log = Log(output, errors);
                cancellationToken.ThrowIfCancellationRequested();
                if (process.ExitCode != 0)
                {
                    string tail = LastLines(errors.Length > 0 ? errors : output, 5);
                    throw new HandlerException(
                        $"'{Path.GetFileName(_program)}' exited with code {process.ExitCode} for '{file.RelativePath}'" + (tail.Length > 0 ? ": " + tail : "."), log);
                }
                return new HandlerOutcome(ResultMessagesFrom(output), output.Length > 0 ? new object[] { output } : Array.Empty<object>(), log);
            }
        }

        private string WriteScratchCopy(ReceivedFile file)
        {
            // The file's own name, so programs that look at the extension see the right one.
            string folder = Path.Combine(_scratchDirectory, Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, file.Name); // the name passed the receiver's safe-path checks
            File.WriteAllBytes(path, file.Bytes ?? Array.Empty<byte>());
            return path;
        }

        private static async Task<string> ReadCappedAsync(StreamReader reader)
        {
            var text = new StringBuilder();
            var buffer = new char[8192];
            bool truncated = false;
            int read;
            while ((read = await reader.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false)) > 0)
            {
                if (text.Length + read <= MaxCapturedChars)
                {
                    text.Append(buffer, 0, read);
                }
                else
                {
                    truncated = true; // keep reading so the program is never blocked on a full pipe
                }
            }
            if (truncated)
            {
                text.Append(Environment.NewLine).Append("[output beyond ").Append(MaxCapturedChars).Append(" characters was dropped]");
            }
            return text.ToString();
        }

        private static void Kill(Process process)
        {
            try
            {
                if (KillTree != null)
                {
                    KillTree.Invoke(process, new object[] { true }); // the whole tree: a shell script's children too
                }
                else
                {
                    process.Kill();
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is TargetInvocationException || ex is System.ComponentModel.Win32Exception)
            {
                // Already exited.
            }
        }

        private static string Log(string output, string errors)
        {
            if (errors.Length == 0)
            {
                return output;
            }
            return output.Length == 0 ? errors : output + (output.EndsWith("\n", StringComparison.Ordinal) ? string.Empty : Environment.NewLine) + errors;
        }

        private static string LastLines(string text, int count)
        {
            string[] lines = text.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Trim().Length > 0).ToArray();
            return string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - count)));
        }

        private static bool IsJson(string text)
        {
            try
            {
                using (JsonDocument.Parse(text))
                {
                    return true;
                }
            }
            catch (JsonException)
            {
                return false;
            }
        }

        private static string Resolve(string command, string workingDirectory)
        {
            if (command.IndexOf('/') >= 0 || command.IndexOf(Path.DirectorySeparatorChar) >= 0)
            {
                string full = Path.GetFullPath(Path.Combine(workingDirectory, command));
                if (File.Exists(full))
                {
                    return full;
                }
                throw NotFound(command, $"'{full}' does not exist");
            }
            bool windows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            string[] extensions = windows
                ? new[] { string.Empty }.Concat((Environment.GetEnvironmentVariable("PATHEXT") ?? ".EXE;.CMD;.BAT;.COM").Split(';').Where(e => e.Length > 0)).ToArray()
                : new[] { string.Empty };
            foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Where(d => d.Length > 0))
            {
                foreach (string extension in extensions)
                {
                    string candidate;
                    try
                    {
                        candidate = Path.Combine(directory, command + extension);
                    }
                    catch (ArgumentException)
                    {
                        break; // a PATH entry with characters no path may hold
                    }
                    if (File.Exists(candidate))
                    {
                        return candidate;
                    }
                }
            }
            throw NotFound(command, "it is not on PATH");
        }

        private static OpenMsiStreamException NotFound(string command, string why) =>
            new OpenMsiStreamException(ErrorIds.CommandNotFound, $"Cannot find the command '{command}': {why}.", target: command);

        private static void TryDeleteDirectory(string directory)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // A program still holding the file (Windows); the scratch folder is cleared at the next start.
            }
        }
    }
}
