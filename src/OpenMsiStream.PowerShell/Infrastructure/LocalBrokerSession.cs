using System;
using OpenMsiStream.LocalBroker;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>
    /// The embedded broker started by Start-MsiLocalBroker. One per process: it lives as long as the
    /// PowerShell process (or until Stop-MsiLocalBroker / Remove-Module), whichever runspace started it.
    /// </summary>
    internal static class LocalBrokerSession
    {
        private static readonly object Gate = new object();
        private static LocalKafkaBroker? _broker;
        private static LocalBrokerInfo? _info;

        public static LocalBrokerInfo? Current
        {
            get
            {
                lock (Gate)
                {
                    return _info;
                }
            }
        }

        public static LocalBrokerInfo Start(int partitions, string[] topics, string configPath)
        {
            lock (Gate)
            {
                if (_broker != null)
                {
                    throw new InvalidOperationException("already running");
                }
                var broker = LocalKafkaBroker.Start();
                try
                {
                    foreach (string topic in topics)
                    {
                        broker.CreateTopic(topic, partitions);
                    }
                    broker.WriteConfigFile(configPath);
                }
                catch
                {
                    broker.Dispose();
                    throw;
                }
                _broker = broker;
                _info = new LocalBrokerInfo(broker.BootstrapServers, configPath, partitions, topics, broker.StartedAt);
                return _info;
            }
        }

        public static bool StopIfRunning()
        {
            lock (Gate)
            {
                if (_broker == null)
                {
                    return false;
                }
                _broker.Dispose();
                _broker = null;
                _info = null;
                return true;
            }
        }
    }
}
