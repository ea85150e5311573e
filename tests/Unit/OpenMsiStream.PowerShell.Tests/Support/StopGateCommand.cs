using System;
using System.Management.Automation;
using System.Threading;

namespace OpenMsiStream.PowerShell.Tests.Support
{
    /// <summary>
    /// The two moments of a pipeline stop (Ctrl+C), held apart. PowerShell first marks the pipeline as
    /// stopping (the upstream command's next Write* throws PipelineStoppedException), then cancels
    /// <see cref="Cmdlet.PipelineStopToken"/>, then calls every command's StopProcessing. Put last in a
    /// pipeline, this command passes objects on, says when the first went by, and keeps the stop
    /// between the first and the last moment until <see cref="Release"/>: what a busy machine does to
    /// the thread that handles Ctrl+C, every time.
    /// </summary>
    [Cmdlet("Test", "StopGate")]
    public sealed class StopGateCommand : PSCmdlet
    {
        private static readonly TimeSpan LongestHold = TimeSpan.FromSeconds(90);

        [Parameter(ValueFromPipeline = true)]
        public PSObject? InputObject { get; set; }

        [Parameter(Mandatory = true)]
        public StopGate Gate { get; set; } = null!;

        public static CmdletInfo Info { get; } = new CmdletInfo("Test-StopGate", typeof(StopGateCommand));

        protected override void BeginProcessing() => PipelineStopToken.Register(() => Gate.Hold(LongestHold));

        protected override void ProcessRecord()
        {
            WriteObject(InputObject);
            Gate.FirstObject.Set();
        }
    }

    /// <summary>Shared by a test and its <see cref="StopGateCommand"/>.</summary>
    public sealed class StopGate : IDisposable
    {
        private readonly ManualResetEventSlim _released = new ManualResetEventSlim();

        public ManualResetEventSlim FirstObject { get; } = new ManualResetEventSlim();

        /// <summary>Lets StopProcessing be called.</summary>
        public void Release() => _released.Set();

        internal void Hold(TimeSpan longest) => _released.Wait(longest);

        public void Dispose()
        {
            _released.Set();
            _released.Dispose();
            FirstObject.Dispose();
        }
    }
}
