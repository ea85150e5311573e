using System;
using System.CommandLine;
using System.Threading.Tasks;
using OpenMsiStream.Cli.Commands;
using OpenMsiStream.Cli.Infrastructure;

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
                UploadDirectoryCommand.Create(),
                UploadStateCommand.Create(),
                DownloadDirectoryCommand.Create(),
                ProcessCommand.Create(),
                S3TransferCommand.Create(),
                TestConnectionCommand.Create(),
            };
            // Ctrl+C and SIGTERM cancel the command's token; a graceful stop (flush, commit, close)
            // gets this long before the process is ended anyway.
            var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) };
            ParseResult parse = root.Parse(args);
            if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
            {
                foreach (System.CommandLine.Parsing.ParseError error in parse.Errors)
                {
                    CliConsole.ErrorLine("usage: " + error.Message);
                }
                CliConsole.ErrorLine("see `openmsistream --help` or `openmsistream <command> --help`.");
                return Task.FromResult(ExitCodes.Usage);
            }
            return parse.InvokeAsync(invocation);
        }
    }
}
