using System;
using System.CommandLine;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary><c>openmsistream test-connection</c>: can this computer reach the broker and log in?</summary>
    internal static class TestConnectionCommand
    {
        public static Command Create()
        {
            var topic = new Option<string?>("--topic") { Description = "also check this topic" };
            var timeout = new Option<double>("--timeout") { Description = "seconds to wait for an answer", DefaultValueFactory = _ => 10 };
            var broker = new BrokerOptions();
            var command = new Command("test-connection", "Check that the broker answers and accepts the credentials (and, with --topic, that the topic exists).")
            {
                topic,
                timeout,
            };
            broker.AddTo(command);
            CommandRunner.SetAction(command, (parse, cancellationToken) =>
            {
                ConnectionReport report = ConnectionTester.Test(broker.Resolve(parse), parse.GetValue(topic), TimeSpan.FromSeconds(parse.GetValue(timeout)), cancellationToken);
                if (report.Success)
                {
                    CliConsole.Line(report.Message);
                    return ExitCodes.Success;
                }
                CliConsole.ErrorLine($"error {report.ErrorId}: {report.Message}");
                return ExitCodes.Failed;
            });
            return command;
        }
    }
}
