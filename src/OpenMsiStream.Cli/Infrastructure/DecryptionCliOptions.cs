using System;
using System.CommandLine;
using OpenMsiStream.Crypto.Runtime;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Cli.Infrastructure
{
    /// <summary>
    /// OpenMSIStream's decryption options for commands that consume data topics; they matter only when
    /// the config has a [kafkacrypto] section.
    /// </summary>
    internal sealed class DecryptionCliOptions
    {
        public Option<bool> TreatUndecryptableAsPlaintext { get; } = new Option<bool>("--treat-undecryptable-as-plaintext")
        {
            Description = "use messages that are not KafkaCrypto-encrypted as they are (topics that mix plain and encrypted messages)",
        };

        public Option<double> MaxWaitPerDecrypt { get; } = new Option<double>("--max-wait-per-decrypt")
        {
            Description = "seconds to wait for a message's key once the first message was handled (default 5)",
            DefaultValueFactory = _ => 5,
        };

        public Option<double> MaxInitialWaitPerDecrypt { get; } = new Option<double>("--max-initial-wait-per-decrypt")
        {
            Description = "seconds to wait for the key of the first encrypted message, while the key exchange runs (default 60)",
            DefaultValueFactory = _ => 60,
        };

        public void AddTo(Command command)
        {
            command.Options.Add(TreatUndecryptableAsPlaintext);
            command.Options.Add(MaxWaitPerDecrypt);
            command.Options.Add(MaxInitialWaitPerDecrypt);
        }

        public DecryptionOptions Resolve(ParseResult parse)
        {
            double wait = parse.GetValue(MaxWaitPerDecrypt), initial = parse.GetValue(MaxInitialWaitPerDecrypt);
            if (wait < 0 || initial < 0 || double.IsNaN(wait) || double.IsNaN(initial))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    "--max-wait-per-decrypt and --max-initial-wait-per-decrypt must be zero or more seconds.");
            }
            return new DecryptionOptions
            {
                Wait = TimeSpan.FromSeconds(wait),
                InitialWait = TimeSpan.FromSeconds(initial),
                TreatUndecryptableAsPlaintext = parse.GetValue(TreatUndecryptableAsPlaintext),
            };
        }
    }
}
