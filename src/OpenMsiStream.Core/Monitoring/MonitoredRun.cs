using System;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Monitoring
{
    /// <summary>
    /// Runs one long-running program under a <see cref="ProgramMonitor"/> (or without one when no
    /// monitoring was asked for), so the CLI, the cmdlets and the service host start, stop and
    /// record failures the same way: a last heartbeat, and Stopped or Failed in the status file.
    /// </summary>
    public static class MonitoredRun
    {
        public static T Run<T>(KafkaSettings settings, MonitorOptions? options, ClientDiagnostics diagnostics,
            ProgramKind kind, string program, string topic, Func<ProgramMonitor?, T> body)
        {
            if (options == null)
            {
                return body(null);
            }
            using var monitor = new ProgramMonitor(settings, options, kind, program, topic);
            monitor.Capture(diagnostics);
            monitor.Start();
            try
            {
                T result = body(monitor);
                monitor.Stop();
                return result;
            }
            catch (OperationCanceledException)
            {
                monitor.Stop();
                throw;
            }
            catch (Exception ex)
            {
                monitor.Stop(ex.Message, (ex as OpenMsiStreamException)?.ErrorId);
                throw;
            }
        }
    }
}
