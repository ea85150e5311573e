using System;
using System.Collections.Generic;
using System.Threading;
using OpenMsiStream.Soak.Programs;

namespace OpenMsiStream.Soak.Faults
{
    /// <summary>
    /// SIGKILLs the uploader, the downloader or both at random intervals and starts them again at once,
    /// until at least the asked number of kills is reached and <paramref name="alsoWaitFor"/> holds.
    /// </summary>
    internal sealed class ProgramKiller
    {
        private readonly IReadOnlyList<SupervisedProgram> _programs;
        private readonly double _minInterval;
        private readonly double _maxInterval;
        private readonly Action<string> _log;

        public ProgramKiller(IReadOnlyList<SupervisedProgram> programs, double minInterval, double maxInterval, Action<string> log)
        {
            _programs = programs;
            _minInterval = minInterval;
            _maxInterval = maxInterval;
            _log = log;
        }

        public int Kills { get; private set; }

        public void Run(int kills, Func<bool> alsoWaitFor, Random random, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested && (Kills < kills || !alsoWaitFor()))
            {
                double wait = _minInterval + random.NextDouble() * (_maxInterval - _minInterval);
                if (stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(wait)))
                {
                    return;
                }
                // Mostly one program, sometimes both at the same moment.
                double pick = random.NextDouble();
                var victims = new List<SupervisedProgram>();
                if (pick < 0.45 || pick >= 0.9)
                {
                    victims.Add(_programs[0]);
                }
                if (pick >= 0.45)
                {
                    victims.Add(_programs[1]);
                }
                foreach (SupervisedProgram victim in victims)
                {
                    if (victim.KillHard())
                    {
                        Kills++;
                        _log($"SIGKILL {victim.Name} (kill {Kills}, after {wait:0.0} s)");
                    }
                }
                // A service manager restarts at once; a little jitter so the two do not always start together.
                Thread.Sleep(random.Next(0, 1000));
                foreach (SupervisedProgram victim in victims)
                {
                    victim.Restart();
                }
            }
        }
    }
}
