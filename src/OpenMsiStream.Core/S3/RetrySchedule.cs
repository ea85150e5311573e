using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace OpenMsiStream.S3
{
    /// <summary>Runs a request again after growing pauses while its failure is one worth retrying.</summary>
    public sealed class RetrySchedule
    {
        public static readonly RetrySchedule Default = new RetrySchedule(new[] { 1, 2, 4, 8, 16 }.Select(s => TimeSpan.FromSeconds(s)).ToArray());

        public RetrySchedule(IReadOnlyList<TimeSpan> delays) => Delays = delays;

        /// <summary>The pause before each retry; as many retries as entries.</summary>
        public IReadOnlyList<TimeSpan> Delays { get; }

        /// <summary>Called before each retry with what failed, the attempt coming and the pause.</summary>
        public event Action<string, int, TimeSpan, Exception>? Retrying;

        internal async Task<T> RunAsync<T>(string doing, Func<Task<T>> request, Func<Exception, bool> isRetriable, CancellationToken cancellationToken)
        {
            for (int retry = 0; ; retry++)
            {
                try
                {
                    return await request().ConfigureAwait(false);
                }
                catch (Exception ex) when (retry < Delays.Count && !cancellationToken.IsCancellationRequested && isRetriable(ex))
                {
                    Retrying?.Invoke(doing, retry + 2, Delays[retry], ex);
                    await Task.Delay(Delays[retry], cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}
