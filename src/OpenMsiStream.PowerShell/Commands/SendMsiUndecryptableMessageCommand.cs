using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Runtime;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.PowerShell.Infrastructure;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Sends messages that could not be decrypted back to their topic, so that consumers try them again.</para>
    /// <para type="description">A consumer that cannot get a message's KafkaCrypto key in time keeps the
    /// raw message in an ENCRYPTED_MESSAGES folder (OpenMSIStream's layout) and reports an
    /// UndecryptableMessage error. Once the key can be had again (its producer runs again with the same
    /// node, or the consumer's node was given the right permissions), this cmdlet re-produces the kept
    /// messages unchanged, oldest first, to partition 0 of the topic each was read from (or -Topic).
    /// The files are kept; delete them once the files arrived. OpenMSIStream's ReproduceUndecryptableMessages.</para>
    /// <para type="description">-Path takes the output directory of Receive-MsiDataFile (or the output or
    /// state directory of a processor), its ENCRYPTED_MESSAGES folder, or single
    /// encrypted_message_from_..._key.bin or _value.bin files, also from the pipeline. One ResentMessage
    /// per message sent (topic, partition, offset, files). The messages are sent as they were saved, still
    /// encrypted. A message that cannot be sent is a non-terminating error; an unreachable broker or
    /// refused credentials stop the command. With no saved messages nothing happens (-Verbose says
    /// so).</para>
    /// </summary>
    /// <example>
    /// <code>Send-MsiUndecryptableMessage ./incoming -Config ./nodes/archiver.config</code>
    /// <para>Sends every message kept in ./incoming/ENCRYPTED_MESSAGES back to the topic it was read from;
    /// a Receive-MsiDataFile running with the same config decrypts them once their keys arrive.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Get-ChildItem ./incoming/ENCRYPTED_MESSAGES -Filter '*_key.bin' |
    ///     Select-Object -First 10 |
    ///     Send-MsiUndecryptableMessage -Topic lab.retry -Config ./nodes/archiver.config -WhatIf
    /// </code>
    /// <para>Shows which of the first ten saved messages would be sent to the topic lab.retry instead of
    /// their own topic, without sending them.</para>
    /// </example>
    /// <seealso cref="NewMsiCryptoNodeCommand"/>
    /// <seealso cref="ReceiveMsiDataFileCommand"/>
    /// <seealso cref="InvokeMsiStreamProcessorCommand"/>
    [Cmdlet(VerbsCommunications.Send, "MsiUndecryptableMessage", SupportsShouldProcess = true)]
    [OutputType(typeof(ResentMessage))]
    public sealed class SendMsiUndecryptableMessageCommand : KafkaCmdlet
    {
        private readonly List<SavedMessage> _messages = new List<SavedMessage>();

        /// <summary>An ENCRYPTED_MESSAGES folder, the output directory that holds one, or saved _key.bin files.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Send to this topic instead of the one each message was read from.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.TopicCompleter))]
        public string? Topic { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string given in Path)
            {
                string path = ResolvePath(given);
                if (Directory.Exists(path))
                {
                    string nested = System.IO.Path.Combine(path, UndecryptableMessageStore.DirectoryName);
                    _messages.AddRange(UndecryptableMessageStore.List(Directory.Exists(nested) ? nested : path));
                }
                else if (File.Exists(path))
                {
                    SavedMessage? message = UndecryptableMessageStore.List(System.IO.Path.GetDirectoryName(path)!)
                        .FirstOrDefault(m => string.Equals(m.KeyFile, path, StringComparison.Ordinal) || string.Equals(m.ValueFile, path, StringComparison.Ordinal));
                    if (message == null)
                    {
                        WriteError(new OpenMsiStreamException(ErrorIds.InvalidArgument,
                            $"'{path}' is not a saved undecryptable message (encrypted_message_from_<topic>_..._key.bin or _value.bin).", target: path), path);
                        continue;
                    }
                    _messages.Add(message);
                }
                else
                {
                    WriteError(new OpenMsiStreamException(ErrorIds.FileNotFound, $"Path '{path}' does not exist.", target: path), path);
                }
            }
        }

        protected override void EndProcessing()
        {
            List<SavedMessage> messages = _messages.GroupBy(m => m.KeyFile, StringComparer.Ordinal).Select(g => g.First())
                .OrderBy(m => m.SavedAt).ThenBy(m => m.KeyFile, StringComparer.Ordinal).ToList();
            if (messages.Count == 0)
            {
                WriteVerbose("No saved undecryptable messages found.");
                return;
            }
            // Ask first: -WhatIf needs no broker, and nothing connects when every message is declined.
            List<SavedMessage> approved = messages.Where(m => ShouldProcess(m.ValueFile ?? m.KeyFile, $"Send the saved message to topic '{Topic ?? m.Topic}'")).ToList();
            if (approved.Count == 0)
            {
                return;
            }
            KafkaSettings settings = ResolveSettings();
            var diagnostics = new ClientDiagnostics();
            using var sender = new UndecryptableMessageSender(settings, diagnostics);
            foreach (SavedMessage message in approved)
            {
                try
                {
                    WriteObject(sender.Send(message, Topic, StopToken));
                }
                catch (OpenMsiStreamException error) when (error.Kind == ErrorKind.ConnectionError || error.Kind == ErrorKind.AuthenticationError || error.Kind == ErrorKind.OperationTimeout)
                {
                    ThrowTerminatingError(error, message.KeyFile); // the next message would fail the same way
                }
                catch (OpenMsiStreamException error)
                {
                    WriteError(error, message.KeyFile);
                }
                catch (OperationCanceledException)
                {
                    throw new PipelineStoppedException();
                }
            }
        }
    }
}
