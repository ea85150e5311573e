using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Chunks;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Upload;
using OpenMsiStream.Wire;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary><c>openmsistream upload-file</c>: sends files, one line per file sent.</summary>
    internal static class UploadFileCommand
    {
        public static Command Create()
        {
            var paths = new Argument<string[]>("path") { Description = "files to send", Arity = ArgumentArity.OneOrMore };
            var topic = new Option<string>("--topic") { Description = "topic to produce to", Required = true };
            var chunkSize = new Option<int>("--chunk-size") { Description = "bytes per chunk, a power of two", DefaultValueFactory = _ => ChunkSizeRules.Default };
            var rootDirectory = new Option<string?>("--root-directory") { Description = "directory the consumer-side path is relative to (default: each file's own directory)" };
            var metadata = new Option<string[]>("--metadata") { Description = "key=value sent with every file as its metadata (repeatable; a JSON object of strings of at most 1 KB)" };
            var verbose = CommandRunner.Verbose();
            var broker = new BrokerOptions();
            var command = new Command("upload-file", "Send files to a topic as OpenMSIStream chunk messages; a file is reported once the broker acknowledged all its chunks.")
            {
                paths,
                topic,
                chunkSize,
                rootDirectory,
                metadata,
                verbose,
            };
            broker.AddTo(command);
            CommandRunner.SetAction(command, (parse, cancellationToken) =>
            {
                var options = new SendOptions(parse.GetValue(topic)!) { ChunkSize = parse.GetValue(chunkSize) };
                FileMetadata fileMetadata = CliArguments.Metadata(parse.GetValue(metadata), "--metadata");
                using var sender = new FileSender(broker.Resolve(parse), options, CliConsole.Diagnostics(parse.GetValue(verbose)));
                sender.Connect(cancellationToken);
                if (!fileMetadata.IsEmpty)
                {
                    sender.RequireMetadataSupport("--metadata");
                }
                var sends = new List<(string Path, Task<SentFile> Task)>();
                var claims = new RelativePathClaims("--root-directory");
                foreach (string path in parse.GetValue(paths)!)
                {
                    try
                    {
                        FileToSend file = FileToSend.Create(path, parse.GetValue(rootDirectory)).WithMetadata(fileMetadata);
                        claims.Claim(file);
                        sends.Add((path, sender.SendAsync(file, null, cancellationToken)));
                    }
                    catch (OpenMsiStreamException error)
                    {
                        sends.Add((path, Task.FromException<SentFile>(error)));
                    }
                }
                int failed = 0, stopped = 0;
                foreach ((string path, Task<SentFile> send) in sends)
                {
                    try
                    {
                        SentFile sent = send.GetAwaiter().GetResult();
                        CliConsole.Line($"sent {sent.RelativePath} ({ByteSize.Format(sent.Length)}, {sent.ChunkCount} chunks, partition {sent.Partition}) sha512 {sent.Sha512}");
                    }
                    catch (OpenMsiStreamException error)
                    {
                        failed++;
                        CliConsole.Error(error);
                    }
                    catch (OperationCanceledException)
                    {
                        stopped++;
                    }
                }
                if (stopped > 0)
                {
                    CliConsole.ErrorLine($"stopped: {stopped} file(s) were not sent completely.");
                }
                return failed + stopped == 0 ? ExitCodes.Success : ExitCodes.Failed;
            });
            return command;
        }
    }
}
