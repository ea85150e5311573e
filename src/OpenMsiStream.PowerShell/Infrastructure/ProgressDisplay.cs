using System;
using System.Management.Automation;
using System.Threading;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// A long-running cmdlet's progress bar: the engine reports its running totals on its own threads
    /// (<see cref="Report"/>); the pipeline thread shows the latest at most four times a second
    /// (<see cref="Show"/>) and completes the bar when the command ends.
    /// </summary>
    internal sealed class ProgressDisplay<TProgress> where TProgress : class
    {
        private readonly Cmdlet _cmdlet;
        private readonly int _activityId;
        private readonly string _activity;
        private readonly Func<TProgress, string> _describe;
        private readonly ProgressThrottle _throttle = new ProgressThrottle();
        private TProgress? _latest;

        public ProgressDisplay(Cmdlet cmdlet, int activityId, string activity, Func<TProgress, string> describe)
        {
            _cmdlet = cmdlet;
            _activityId = activityId;
            _activity = activity;
            _describe = describe;
        }

        /// <summary>Any thread: keeps the latest totals for the pipeline thread.</summary>
        public void Report(TProgress progress) => Volatile.Write(ref _latest, progress);

        /// <summary>Pipeline thread: writes the latest totals, when there are some and a quarter second has passed.</summary>
        public void Show()
        {
            TProgress? progress = Volatile.Read(ref _latest);
            if (progress != null && _throttle.IsDue())
            {
                _cmdlet.WriteProgress(new ProgressRecord(_activityId, _activity, _describe(progress)));
            }
        }

        /// <summary>Pipeline thread: removes the bar.</summary>
        public void Complete(string status) =>
            _cmdlet.WriteProgress(new ProgressRecord(_activityId, _activity, status) { RecordType = ProgressRecordType.Completed });
    }
}
