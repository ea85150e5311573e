using System.Management.Automation;
using OpenMsiStream.PowerShell.Infrastructure;
using OpenMsiStream.Services;

namespace OpenMsiStream.PowerShell.Commands.Services
{
    /// <summary>
    /// <para type="synopsis">Shows registered services: state, command, last heartbeat and last error (from the status file, so it answers when Kafka is down).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "MsiService")]
    [OutputType(typeof(ServiceInfo))]
    public sealed class GetMsiServiceCommand : ServiceCmdlet
    {
        /// <summary>One service; all when omitted.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
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
