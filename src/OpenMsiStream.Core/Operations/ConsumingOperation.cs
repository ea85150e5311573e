using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Runtime;

namespace OpenMsiStream.Operations
{
    /// <summary>The operations that consume a data topic: the options and rules they share.</summary>
    public abstract class ConsumingOperation : Operation
    {
        protected ConsumingOperation(string command, string cmdlet, string summary, IEnumerable<OperationOption> options)
            : base(command, cmdlet, summary, options.Concat(OptionGroups.Broker).Concat(OptionGroups.Monitoring).Concat(OptionGroups.Decryption))
        {
        }

        /// <summary>The topic, checked (the monitoring options are checked by <see cref="Operation.MonitoredProgramId"/> in each Build).</summary>
        protected string CheckedTopic(OperationArguments arguments)
        {
            string topic = Topic(arguments);
            TopicName.Validate(topic);
            return topic;
        }

        protected static DecryptionOptions Decryption(OperationArguments arguments) => new DecryptionOptions
        {
            Wait = arguments.Get<TimeSpan>("MaxWaitPerDecrypt"),
            InitialWait = arguments.Get<TimeSpan>("MaxInitialWaitPerDecrypt"),
            TreatUndecryptableAsPlaintext = arguments.Get<bool>("TreatUndecryptableAsPlaintext"),
        };
    }
}
