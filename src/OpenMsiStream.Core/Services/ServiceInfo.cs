using System;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Operations;

namespace OpenMsiStream.Services
{
    /// <summary>What Get-MsiService and `openmsistream service status` show about one service.</summary>
    public sealed class ServiceInfo
    {
        public ServiceInfo(ServiceDefinition definition, string definitionPath, string state, ProgramStatus? status)
        {
            Definition = definition;
            DefinitionPath = definitionPath;
            State = state;
            Status = status;
            Consumer = ServiceConsumer.Of(definition.Arguments, definition.WorkingDirectory);
        }

        public string Name => Definition.Name;

        public ServiceScope Scope => Definition.Scope;

        /// <summary>What the service manager says: Running, Stopped, Failed, Starting, Stopping, or Unknown when it cannot be asked.</summary>
        public string State { get; }

        public string Command => string.Join(" ", Definition.Arguments);

        /// <summary>The topic the service reads (or an uploader writes), from its command line.</summary>
        public string? Topic => Consumer.Topic;

        /// <summary>
        /// The consumer group the service reads as: its --group-id, else the default its command uses
        /// (see <see cref="ServiceConsumer"/>); null for an uploader and a receiver with a new group at every start.
        /// </summary>
        public string? GroupId => Consumer.GroupId;

        public DateTimeOffset? LastHeartbeat => Status?.LastHeartbeatAt ?? Status?.UpdatedAt;

        public string? LastError => Status?.LastError;

        public DateTimeOffset? LastErrorAt => Status?.LastErrorAt;

        /// <summary>Running/Stopped/Failed as the program itself last wrote it in its status file.</summary>
        public string? ProgramState => Status?.State;

        public long FilesHandled => Status?.FilesHandled ?? 0;

        /// <summary>A consumer's messages not read yet, as of its last heartbeat (null for uploaders and before it knew).</summary>
        public long? Lag => Status?.ConsumerLag;

        /// <summary>How a processor's results reach its result topic (ExactlyOnce, AtLeastOnce; None without one), as the program last wrote it; null before it decided.</summary>
        public string? ResultDelivery => Status?.ResultDelivery?.ToString();

        /// <summary>Why that delivery (the broker's lack of transactions, an option).</summary>
        public string? ResultDeliveryReason => Status?.ResultDeliveryReason;

        /// <summary>Where the service serves its metrics for Prometheus (null without --metrics-port).</summary>
        public string? MetricsUrl => Status?.MetricsUrl;

        public string DefinitionPath { get; }

        public ServiceDefinition Definition { get; }

        public ProgramStatus? Status { get; }

        internal ServiceConsumer Consumer { get; }

        /// <summary>The error for measuring the backlog of a service that has no consumer group (null when it has one).</summary>
        public OpenMsiStreamException? NoConsumerGroup() => GroupId != null ? null
            : new OpenMsiStreamException(ErrorIds.NoConsumerGroup,
                $"Service '{Name}' has no consumer group to measure the backlog of: {Consumer.NoGroupReason}.", target: Name);
    }
}
