using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace OpenMsiStream.Monitoring
{
    /// <summary>
    /// Lets a message through once per window and counts the repeats in between, so the next time it
    /// is let through it can say how many were left out. Thread-safe; remembers at most 1,000 texts.
    /// </summary>
    internal sealed class RepeatFilter
    {
        private const int MaxTexts = 1000;
        private readonly TimeSpan _window;
        private readonly Dictionary<string, (DateTimeOffset Logged, int Suppressed)> _seen = new Dictionary<string, (DateTimeOffset, int)>(StringComparer.Ordinal);

        /// <summary>
        /// librdkafka's timing suffixes ("after 0ms in state CONNECT", "3 identical error(s) suppressed")
        /// differ between repeats of one error; they must not make it a new message.
        /// </summary>
        private static readonly Regex Volatile = new Regex(@"\s*\(after \d+ms in state \w+(, \d+ identical error\(s\) suppressed)?\)", RegexOptions.CultureInvariant);

        /// <summary>
        /// librdkafka reports one failure twice: as a log line ("FAIL: [thrd:host:port/bootstrap]: text")
        /// and through the error callback (just the text). Without the log line's prefix they are one message.
        /// </summary>
        private static readonly Regex LogPrefix = new Regex(@"^[A-Z_]+: \[thrd:[^\]]*\]: ", RegexOptions.CultureInvariant);

        public RepeatFilter(TimeSpan window) => _window = window;

        /// <summary>-1: leave this one out; otherwise write it, with this many left out since it was last written.</summary>
        public int Admit(string text, DateTimeOffset now)
        {
            text = Volatile.Replace(LogPrefix.Replace(text, string.Empty), string.Empty);
            lock (_seen)
            {
                if (_seen.TryGetValue(text, out var entry) && now - entry.Logged < _window)
                {
                    _seen[text] = (entry.Logged, entry.Suppressed + 1);
                    return -1;
                }
                if (_seen.Count >= MaxTexts)
                {
                    _seen.Clear();
                }
                _seen[text] = (now, 0);
                return entry.Suppressed;
            }
        }
    }
}
