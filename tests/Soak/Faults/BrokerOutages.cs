using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using OpenMsiStream.Tests.Common;

namespace OpenMsiStream.Soak.Faults
{
    /// <summary>One broker outage: SIGKILL, down for a while, restarted on the same port and data.</summary>
    internal sealed record BrokerOutage(DateTime KilledUtc, TimeSpan Down, TimeSpan Restart)
    {
        /// <summary>From the SIGKILL until the restarted broker answered with a leader for every partition.</summary>
        public TimeSpan Unavailable => Down + Restart;
    }

    /// <summary>Kills the Kafka broker (kill -9) at planned moments of the run and starts it again after a random time.</summary>
    internal sealed class BrokerOutages
    {
        private readonly Kafka09Broker _broker;
        private readonly Action<string> _log;
        private readonly List<BrokerOutage> _done = new List<BrokerOutage>();
        private int _finished;

        public BrokerOutages(Kafka09Broker broker, Action<string> log)
        {
            _broker = broker;
            _log = log;
        }

        public IReadOnlyList<BrokerOutage> Done
        {
            get
            {
                lock (_done)
                {
                    return new List<BrokerOutage>(_done);
                }
            }
        }

        public bool Finished => Volatile.Read(ref _finished) == 1;

        /// <summary>
        /// <paramref name="count"/> outages, the i-th starting at (i+1)/(count+1) of <paramref name="plannedRun"/>
        /// (so they fall among the program kills), each down for a random time in [min, max].
        /// </summary>
        public void Run(int count, TimeSpan plannedRun, double minDown, double maxDown, Random random, CancellationToken stop)
        {
            try
            {
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < count && !stop.IsCancellationRequested; i++)
                {
                    TimeSpan at = plannedRun * (i + 1) / (count + 1);
                    TimeSpan wait = at - clock.Elapsed;
                    if (wait > TimeSpan.Zero && stop.WaitHandle.WaitOne(wait))
                    {
                        return;
                    }
                    var down = TimeSpan.FromSeconds(minDown + random.NextDouble() * (maxDown - minDown));
                    DateTime killed = DateTime.UtcNow;
                    _broker.KillBroker();
                    _log($"SIGKILL Kafka broker (outage {i + 1} of {count}, down for {down.TotalSeconds:0} s)");
                    stop.WaitHandle.WaitOne(down);
                    TimeSpan restart = _broker.RestartBroker();
                    _log($"Kafka broker answering again after {restart.TotalSeconds:0.0} s of restart");
                    lock (_done)
                    {
                        _done.Add(new BrokerOutage(killed, down, restart));
                    }
                }
            }
            finally
            {
                Volatile.Write(ref _finished, 1);
            }
        }
    }
}
