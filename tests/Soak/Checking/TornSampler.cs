using System;
using System.Collections.Generic;
using System.Threading;
using OpenMsiStream.Soak.Writing;

namespace OpenMsiStream.Soak.Checking
{
    /// <summary>
    /// Content that is no state the writer produced for its path (or a path it never wrote): seen in the
    /// output, named by a `received` line, or named by a `sent` line (the uploader sent it as a valid version).
    /// </summary>
    internal sealed record TornObservation(string RelativePath, string Sha512, long Length, List<string> Sources)
    {
        /// <summary>The earliest moment any source saw it.</summary>
        public DateTime SeenUtc { get; set; }

        public bool Delivered => Sources.Exists(s => s != TornSampler.SentSource);
    }

    /// <summary>
    /// Every few seconds, checks that each file visible in the output equals some state the writer
    /// produced for that path. Anything else is a torn or corrupt file a user could have opened.
    /// </summary>
    internal sealed class TornSampler
    {
        public const string OutputSource = "seen in the output";
        public const string ReceivedSource = "named by a 'received' line";
        public const string SentSource = "named by a 'sent' line";

        private readonly string _outputRoot;
        private readonly StateLedger _ledger;
        private readonly TimeSpan _interval;
        private readonly object _gate = new object();
        private readonly Dictionary<(string Path, string Sha), TornObservation> _torn = new Dictionary<(string, string), TornObservation>();
        private Thread? _thread;
        private int _samples;
        private long _filesChecked;

        public TornSampler(string outputRoot, StateLedger ledger, TimeSpan interval)
        {
            _outputRoot = outputRoot;
            _ledger = ledger;
            _interval = interval;
        }

        public int Samples => _samples;

        public long FilesChecked => Interlocked.Read(ref _filesChecked);

        public IReadOnlyList<TornObservation> Torn
        {
            get
            {
                lock (_gate)
                {
                    return new List<TornObservation>(_torn.Values);
                }
            }
        }

        public void Start(CancellationToken stop)
        {
            _thread = new Thread(() =>
            {
                while (!stop.WaitHandle.WaitOne(_interval))
                {
                    SampleOnce();
                }
            })
            { IsBackground = true, Name = "torn-file sampler" };
            _thread.Start();
        }

        public void Join() => _thread?.Join();

        /// <summary>One pass over the output; returns what it saw (path → SHA-512).</summary>
        public Dictionary<string, string> SampleOnce()
        {
            Dictionary<string, string> files = OutputScanner.Scan(_outputRoot);
            foreach ((string path, string sha) in files)
            {
                if (_ledger.IsKnownState(path, sha) != true)
                {
                    var file = new System.IO.FileInfo(System.IO.Path.Combine(_outputRoot, path));
                    Note(path, sha, file.Exists ? file.Length : -1, OutputSource);
                }
            }
            Interlocked.Increment(ref _samples);
            Interlocked.Add(ref _filesChecked, files.Count);
            return files;
        }

        /// <summary>
        /// Also takes content the programs reported that matches no state: received (it may have been
        /// replaced before a sample saw it) or sent (a read that mixed two states, whether delivered or not).
        /// </summary>
        public void Note(string path, string sha, long length, string source, DateTime? seenUtc = null)
        {
            lock (_gate)
            {
                DateTime when = seenUtc ?? DateTime.UtcNow;
                if (!_torn.TryGetValue((path, sha), out TornObservation? seen))
                {
                    _torn[(path, sha)] = new TornObservation(path, sha, length, new List<string> { source }) { SeenUtc = when };
                    return;
                }
                if (!seen.Sources.Contains(source))
                {
                    seen.Sources.Add(source);
                }
                if (when < seen.SeenUtc)
                {
                    seen.SeenUtc = when;
                }
            }
        }
    }
}
