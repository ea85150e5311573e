using System;
using System.Management.Automation;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// Cmdlets that consume data topics (Receive-MsiDataFile and the processors): what to do on topics
    /// encrypted with KafkaCrypto. The parameters do nothing unless the config has a [kafkacrypto] section.
    /// </summary>
    public abstract class ConsumingCmdlet : LongRunningCmdlet
    {
        /// <summary>Use messages that are not KafkaCrypto-encrypted as they are (topics that mix plain and encrypted messages).</summary>
        [Parameter]
        public SwitchParameter TreatUndecryptableAsPlaintext { get; set; }

        /// <summary>How long to wait for the key of a message once the first message was handled (seconds or a time span; default 5 s).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        public TimeSpan MaxWaitPerDecrypt { get; set; } = Defaults.MaxWaitPerDecrypt;

        /// <summary>How long to wait for the key of the first encrypted message, while the key exchange runs (default 60 s).</summary>
        [Parameter]
        [SecondsOrTimeSpan]
        public TimeSpan MaxInitialWaitPerDecrypt { get; set; } = Defaults.MaxInitialWaitPerDecrypt;
    }
}
