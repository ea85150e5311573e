using System;
using System.CommandLine;
using System.Threading.Tasks;
using OpenMsiStream.Cli.Commands;

namespace OpenMsiStream.Cli
{
    public static class Program
    {
        public static Task<int> Main(string[] args)
        {
            var root = new RootCommand("openmsistream: stream laboratory data files through Apache Kafka, wire-compatible with OpenMSIStream.")
            {
                QuickstartCommand.Create(),
                LocalBrokerCommand.Create(),
                UploadFileCommand.Create(),
                DownloadDirectoryCommand.Create(),
                TestConnectionCommand.Create(),
            };
            // Ctrl+C and SIGTERM cancel the command's token; a graceful stop (flush, commit, close)
            // gets this long before the process is ended anyway.
            var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) };
            return root.Parse(args).InvokeAsync(invocation);
        }
    }
}
