using System;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>
    /// How long a consumer waits for a key before it gives a message up as undecryptable, and what it
    /// does with messages that are not KafkaCrypto's format at all. Defaults are OpenMSIStream's
    /// (<c>--max_initial_wait_per_decrypt 60</c>, <c>--max_wait_per_decrypt 5</c>).
    /// </summary>
    public sealed class DecryptionOptions
    {
        /// <summary>The wait for the first message of a run (the key exchange has to happen first).</summary>
        public TimeSpan InitialWait { get; set; } = Defaults.MaxInitialWaitPerDecrypt;

        /// <summary>The wait for later messages whose key has not arrived.</summary>
        public TimeSpan Wait { get; set; } = Defaults.MaxWaitPerDecrypt;

        /// <summary>
        /// Use messages that are not encrypted with KafkaCrypto as they are (a topic that mixes encrypted
        /// and plain messages), instead of reporting them as undecryptable.
        /// </summary>
        public bool TreatUndecryptableAsPlaintext { get; set; }
    }
}
