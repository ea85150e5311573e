using System;
using OpenMsiStream.Monitoring;

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
        }

        public string Name => Definition.Name;

        public ServiceScope Scope => Definition.Scope;

        /// <summary>What the service manager says: Running, Stopped, Failed, Starting, Stopping, or Unknown when it cannot be asked.</summary>
        public string State { get; }

        public string Command => string.Join(" ", Definition.Arguments);

        public DateTimeOffset? LastHeartbeat => Status?.LastHeartbeatAt ?? Status?.UpdatedAt;

        public string? LastError => Status?.LastError;

        public DateTimeOffset? LastErrorAt => Status?.LastErrorAt;

        /// <summary>Running/Stopped/Failed as the program itself last wrote it in its status file.</summary>
        public string? ProgramState => Status?.State;

        public long FilesHandled => Status?.FilesHandled ?? 0;

        /// <summary>A consumer's messages not read yet, as of its last heartbeat (null for uploaders and before it knew).</summary>
        public long? Lag => Status?.ConsumerLag;

        /// <summary>Where the service serves its metrics for Prometheus (null without --metrics-port).</summary>
        public string? MetricsUrl => Status?.MetricsUrl;

        public string DefinitionPath { get; }

        public ServiceDefinition Definition { get; }

        public ProgramStatus? Status { get; }
    }
}
