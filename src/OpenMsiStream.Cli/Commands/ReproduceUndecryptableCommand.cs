using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Runtime;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary>
    /// <c>openmsistream reproduce-undecryptable</c>: OpenMSIStream's ReproduceUndecryptableMessages — puts
    /// messages kept in an ENCRYPTED_MESSAGES directory back on their topics, unchanged.
    /// </summary>
    internal static class ReproduceUndecryptableCommand
    {
        public static Command Create()
        {
            var directory = new Argument<string>("directory") { Description = "an ENCRYPTED_MESSAGES directory (or the output directory that holds one)" };
            var topic = new Option<string?>("--topic") { Description = "send to this topic instead of the one each message was read from" };
            var verbose = CommandRunner.Verbose();
            var broker = new BrokerOptions();
            var command = new Command("reproduce-undecryptable", "Send messages that could not be decrypted (kept in ENCRYPTED_MESSAGES) back to their topics, oldest first, so that consumers try them again once the keys can be had.")
            {
                directory,
                topic,
                verbose,
            };
            broker.AddTo(command);
            CommandRunner.SetAction(command, (parse, cancellationToken) =>
            {
                string path = Path.GetFullPath(parse.GetValue(directory)!);
                if (!Directory.Exists(path))
                {
                    throw new OpenMsiStreamException(ErrorIds.FileNotFound, $"Directory '{path}' does not exist.", target: path);
                }
                string nested = Path.Combine(path, UndecryptableMessageStore.DirectoryName);
                IReadOnlyList<SavedMessage> saved = UndecryptableMessageStore.List(Directory.Exists(nested) ? nested : path);
                KafkaSettings settings = broker.Resolve(parse);
                ClientDiagnostics diagnostics = CliConsole.Diagnostics(parse.GetValue(verbose));
                int failed = 0;
                using (var sender = new UndecryptableMessageSender(settings, diagnostics))
                {
                    foreach (SavedMessage message in saved)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        try
                        {
                            ResentMessage sent = sender.Send(message, parse.GetValue(topic), cancellationToken);
                            CliConsole.Line($"sent {Path.GetFileName(sent.ValueFile)} to {sent.Topic}[{sent.Partition}]@{sent.Offset}");
                        }
                        catch (OpenMsiStreamException error)
                        {
                            failed++;
                            CliConsole.Error(error);
                        }
                    }
                }
                CliConsole.ErrorLine($"{saved.Count - failed} of {saved.Count} saved messages sent again.");
                return failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
            });
            return command;
        }
    }
}
