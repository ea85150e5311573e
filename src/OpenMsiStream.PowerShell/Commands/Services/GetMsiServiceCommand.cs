using System.Management.Automation;
using OpenMsiStream.PowerShell.Infrastructure;
using OpenMsiStream.Services;

namespace OpenMsiStream.PowerShell.Commands.Services
{
    /// <summary>
    /// <para type="synopsis">Shows registered services: state, command, last heartbeat and last error (from the status file, so it answers when Kafka is down).</para>
    /// <para type="description">Lists the services registered with Register-MsiService in -Scope (System by
    /// default, or User), or the one named by -Name. Each ServiceInfo has the Name, Scope, State (what the
    /// service manager says: Running, Stopped, Failed, Starting, Stopping, or Unknown when it cannot be
    /// asked), the Command line, and from the status file the program rewrites with every heartbeat:
    /// LastHeartbeat, FilesHandled, LastError, LastErrorAt and ProgramState (Running, Stopped or Failed as
    /// the program itself last wrote it), Lag, MetricsUrl, and for a processor ResultDelivery
    /// (ExactlyOnce, AtLeastOnce, or None without a result topic) and ResultDeliveryReason. Topic and
    /// GroupId come from the command line: the topic it reads (or an uploader writes) and the consumer
    /// group it reads as, its --group-id or else the default of its command (a processor's group named
    /// after the topic and its program, openmsistream-s3-BUCKET for an S3 transfer, a receiver's
    /// [consumer] group.id); GroupId is empty for an uploader and for a receiver that reads as a new
    /// group at every start. So Get-MsiService | Get-MsiConsumerLag measures each service's backlog.
    /// Nothing talks to Kafka, so it answers when the broker is down.</para>
    /// <para type="description">A name that is not registered is a non-terminating ServiceNotFound error;
    /// names piped in are looked up one by one.</para>
    /// </summary>
    /// <example>
    /// <code>Get-MsiService -Scope User</code>
    /// <para>Lists the per-user services with their state, last heartbeat, number of files handled and
    /// last error.</para>
    /// </example>
    /// <example>
    /// <code>Get-MsiService xrd-upload | Format-List Name, State, ProgramState, LastHeartbeat, LastError, LastErrorAt, Command</code>
    /// <para>Shows the details of the system service xrd-upload, including the openmsistream command line
    /// it runs.</para>
    /// </example>
    /// <example>
    /// <code>Get-MsiService xrd-upload | Format-List Name, Topic, GroupId, ResultDelivery, ResultDeliveryReason</code>
    /// <para>Shows what the system service xrd-upload reads or writes and as which consumer group
    /// (none for an uploader), and for a processor how its results reach the result topic and
    /// why.</para>
    /// </example>
    /// <example>
    /// <code>Get-MsiService | Where-Object State -ne Running | Select-Object Name, State, LastError</code>
    /// <para>Lists the system services that are not running, with the last error each one recorded.</para>
    /// </example>
    /// <seealso cref="RegisterMsiServiceCommand"/>
    /// <seealso cref="StartMsiServiceCommand"/>
    /// <seealso cref="OpenMsiStream.PowerShell.Commands.ReceiveMsiHeartbeatCommand"/>
    [Cmdlet(VerbsCommon.Get, "MsiService")]
    [OutputType(typeof(ServiceInfo))]
    public sealed class GetMsiServiceCommand : ServiceCmdlet
    {
        /// <summary>One service; all when omitted.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(Completion.ServiceNameCompleter))]
        public string? Name { get; set; }

        protected override void ProcessRecord()
        {
            var manager = Manager();
            if (Name == null)
            {
                WriteObject(Guard(manager.List), enumerateCollection: true);
                return;
            }
            try
            {
                WriteObject(manager.Get(Name));
            }
            catch (Diagnostics.OpenMsiStreamException error)
            {
                WriteError(error, Name); // one missing name does not stop the others
            }
        }
    }
}
