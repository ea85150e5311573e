using System;
using System.CommandLine;
using System.Linq;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.UploadDirectory;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary><c>openmsistream upload-state</c>: what the upload registry of a watched directory says.</summary>
    internal static class UploadStateCommand
    {
        public static Command Create()
        {
            var directory = new Argument<string>("directory") { Description = "the watched directory" };
            var topic = new Option<string?>("--topic") { Description = "only this topic (default: every topic the directory was uploaded to)" };
            var stateDirectory = new Option<string?>("--state-directory") { Description = "the state directory the uploader used, if not the default" };
            var status = new Option<UploadStatus?>("--status") { Description = "only files with this status (InProgress, Sent, Failed, Skipped)" };
            var command = new Command("upload-state", "List what was sent from a watched directory, what is in progress and what failed.")
            {
                directory, topic, stateDirectory, status,
            };
            CommandRunner.SetAction(command, (parse, cancellationToken) =>
            {
                string root = System.IO.Path.GetFullPath(parse.GetValue(directory)!);
                string state = parse.GetValue(stateDirectory) ?? UploadRegistry.DefaultStateDirectory(root);
                var topics = parse.GetValue(topic) is string one ? new[] { one } : UploadRegistry.Topics(state).ToArray();
                if (topics.Length == 0)
                {
                    throw new OpenMsiStreamException(ErrorIds.FileNotFound, $"No uploads are recorded for '{root}' (looked in '{state}').", target: root);
                }
                foreach (string name in topics)
                {
                    using UploadRegistry? registry = UploadRegistry.OpenExisting(state, name);
                    foreach (UploadRecord record in registry?.All(parse.GetValue(status)) ?? Array.Empty<UploadRecord>())
                    {
                        CliConsole.Line($"{record.Status,-10} {record.Topic}\t{record.RelativePath}\t{record.ChunksAcknowledged}/{record.ChunkCount} chunks\t{ByteSize.Format(record.Length)}" +
                            (record.LastError != null ? "\t" + record.LastError : ""));
                    }
                }
                return ExitCodes.Success;
            });
            return command;
        }
    }
}
