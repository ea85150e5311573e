using System;
using System.Management.Automation;
using System.Threading;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// What every cmdlet of the module shares: a cancellation token that Ctrl+C (StopProcessing)
    /// cancels and that is passed into all network and file work, and error records built from Core's
    /// stable error ids.
    /// </summary>
    public abstract class MsiCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
        protected CancellationToken StopToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>A path as PowerShell means it: relative to the current location, not the process directory.</summary>
        protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

        protected void WriteError(OpenMsiStreamException error, object? target = null) => WriteError(ErrorRecords.From(error, target));

        protected void ThrowTerminatingError(OpenMsiStreamException error, object? target = null) => ThrowTerminatingError(ErrorRecords.From(error, target));

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
            if (disposing)
            {
                _stopping.Dispose();
            }
        }
    }
}
