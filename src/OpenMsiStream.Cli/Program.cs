using System;
using System.Linq;
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
            RootCommand root = BuildRoot();
            // Ctrl+C and SIGTERM cancel the command's token; a graceful stop (flush, commit, close)
            // gets this long before the process is ended anyway.
            var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) };
            return Invoke(root, args, invocation, default);
        }

        /// <summary>
        /// Runs a command line inside another host (the service host), which owns the signals: the
        /// token stops the command gracefully.
        /// </summary>
        public static Task<int> InvokeHosted(string[] args, System.Threading.CancellationToken cancellationToken) =>
            Invoke(BuildRoot(), args, new InvocationConfiguration { ProcessTerminationTimeout = null }, cancellationToken);

        /// <summary>
        /// The problems of a command line, empty when it is valid (checked before a service is registered):
        /// its parse errors, then the values a long-running operation would refuse when it starts.
        /// </summary>
        public static System.Collections.Generic.IReadOnlyList<string> Validate(string[] args)
        {
            ParseResult parse = BuildRoot().Parse(args);
            if (parse.Errors.Count > 0)
            {
                return parse.Errors.Select(e => e.Message).ToList();
            }
            try
            {
                if (parse.CommandResult.Command is OperationCommand operation)
                {
                    operation.Operation.Validate(operation.Read(parse));
                }
                return Array.Empty<string>();
            }
            catch (Diagnostics.OpenMsiStreamException error)
            {
                return new[] { error.Message };
            }
        }

        private static Task<int> Invoke(RootCommand root, string[] args, InvocationConfiguration invocation, System.Threading.CancellationToken cancellationToken)
        {
            ParseResult parse = root.Parse(args);
            if (parse.Errors.Count > 0 && !OptionalArgumentsHelp.IsHelp(parse.Action))
            {
                foreach (System.CommandLine.Parsing.ParseError error in parse.Errors)
                {
                    CliConsole.ErrorLine("usage: " + error.Message);
                }
                CliConsole.ErrorLine("see `openmsistream --help` or `openmsistream <command> --help`.");
                return Task.FromResult(ExitCodes.Usage);
            }
            if (ServiceCommand.IsHostRun(parse))
            {
                // The service host owns SIGTERM and Ctrl+C (systemd, Windows, the console) and stops the
                // command gracefully itself; System.CommandLine must not answer them with exit code 143.
                invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
            }
            return parse.InvokeAsync(invocation, cancellationToken);
        }

        internal static RootCommand BuildRoot()
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
                HeartbeatsCommand.Create(),
                LagCommand.Create(),
                FilesCommand.Create(),
                ProvisionNodeCommand.Create(),
                ReproduceUndecryptableCommand.Create(),
                ServiceCommand.Create(),
            };
            OptionalArgumentsHelp.Install(root);
            return root;
        }
    }
}
