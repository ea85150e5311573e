using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Cli.Services;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Services;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary>`openmsistream service …`: register long-running commands as systemd units or Windows services, and run them.</summary>
    internal static class ServiceCommand
    {
        public static Command Create()
        {
            var service = new Command("service", "Run long-running commands as services: systemd units (system, or --user without root) or Windows services.");
            service.Subcommands.Add(Install());
            service.Subcommands.Add(Uninstall());
            service.Subcommands.Add(List());
            service.Subcommands.Add(Status());
            foreach (ServiceAction action in new[] { ServiceAction.Start, ServiceAction.Stop, ServiceAction.Restart })
            {
                service.Subcommands.Add(Control(action));
            }
            service.Subcommands.Add(Run());
            return service;
        }

        /// <summary>Whether a command line is `service run` (the host that handles signals itself).</summary>
        public static bool IsHostRun(ParseResult parse) =>
            parse.CommandResult.Command.Name == "run" && parse.CommandResult.Parent is System.CommandLine.Parsing.CommandResult { Command.Name: "service" };

        private static Option<bool> UserScope() => new Option<bool>("--user") { Description = "a per-user service (systemd --user; a scheduled task at logon on Windows): no root or admin rights needed" };

        private static Argument<string> Name() => new Argument<string>("name") { Description = "the service's name (letters, digits, '_', '.', '-')" };

        private static ServiceLayout Layout(ParseResult parse, Option<bool> user) =>
            ServiceLayout.For(parse.GetValue(user) ? ServiceScope.User : ServiceScope.System);

        private static Command Install()
        {
            var name = Name();
            var user = UserScope();
            var command = new Argument<string[]>("command") { Description = "after --: the openmsistream command the service runs, e.g. upload-directory /data --topic lab --config /etc/lab.config", Arity = ArgumentArity.OneOrMore };
            var runAs = new Option<string?>("--run-as") { Description = "the account a system service runs as (Linux default: the user who ran sudo, or you, never root unless given; Windows default: its virtual account NT SERVICE\\openmsistream-NAME, or LocalService, NetworkService, DOMAIN\\gmsa$)" };
            var description = new Option<string?>("--description") { Description = "one line shown by systemctl status" };
            var env = new Option<string[]>("--env") { Description = "also keep this environment variable's current value in the secrets file (repeatable); $VARIABLES in --config files are kept anyway" };
            var force = new Option<bool>("--force") { Description = "replace a service of the same name" };
            var whatIf = new Option<bool>("--what-if") { Description = "print every file that would be written and command that would be run, and do nothing" };
            var install = new Command("install", "Register a service that runs an openmsistream command; it starts at boot (or login) after `service start`.\nExample: sudo openmsistream service install lab-upload --run-as lab -- upload-directory /data --topic lab --config /etc/openmsistream/lab.config --heartbeat-topic heartbeats")
            {
                name, command, user, runAs, description, env, force, whatIf,
            };
            CommandRunner.SetAction(install, (parse, _) =>
            {
                string[] arguments = parse.GetValue(command)!;
                IReadOnlyList<string> errors = Program.Validate(arguments);
                if (errors.Count > 0 && ServiceDefinition.LongRunningCommands.Contains(arguments[0]))
                {
                    throw new OpenMsiStreamException(ErrorIds.InvalidArgument, $"The service's command line is not valid: {string.Join("; ", errors)}");
                }
                ServiceDefinition.ValidateCommand(arguments);
                ServiceLayout layout = Layout(parse, user);
                var definition = new ServiceDefinition
                {
                    Name = parse.GetValue(name)!,
                    Description = parse.GetValue(description) ?? $"OpenMsiStream {arguments[0]} ({parse.GetValue(name)})",
                    Scope = layout.Scope,
                    Arguments = arguments.ToList(),
                    WorkingDirectory = Environment.CurrentDirectory,
                    RunAs = layout.Scope == ServiceScope.System ? ServiceAccount.Resolve(parse.GetValue(runAs), "--run-as", layout, parse.GetValue(name)!) : null,
                    Executable = CurrentExecutable(),
                    RegisteredAt = DateTimeOffset.UtcNow,
                };
                var secrets = ServiceSecrets.Collect(arguments, definition.WorkingDirectory, parse.GetValue(env) ?? Array.Empty<string>());
                var manager = new ServiceManager(layout);
                ServicePlan plan = manager.PlanRegister(definition, secrets, parse.GetValue(force));
                return Carry(manager, plan, parse.GetValue(whatIf), $"service '{definition.Name}' registered; start it with `openmsistream service start {definition.Name}{(layout.Scope == ServiceScope.User ? " --user" : string.Empty)}`");
            });
            return install;
        }

        private static Command Uninstall()
        {
            var name = Name();
            var user = UserScope();
            var whatIf = new Option<bool>("--what-if") { Description = "print what would be removed and run, and do nothing" };
            var command = new Command("uninstall", "Stop and remove a service: its unit, definition and secrets file (its data directory with status and logs is kept).") { name, user, whatIf };
            CommandRunner.SetAction(command, (parse, _) =>
            {
                var manager = new ServiceManager(Layout(parse, user));
                return Carry(manager, manager.PlanUnregister(parse.GetValue(name)!), parse.GetValue(whatIf), $"service '{parse.GetValue(name)}' removed");
            });
            return command;
        }

        private static Command Control(ServiceAction action)
        {
            var name = Name();
            var user = UserScope();
            var command = new Command(action.ToString().ToLowerInvariant(), $"{action} a registered service.") { name, user };
            CommandRunner.SetAction(command, (parse, _) =>
            {
                var manager = new ServiceManager(Layout(parse, user));
                return Carry(manager, manager.PlanControl(parse.GetValue(name)!, action), whatIf: false, $"service '{parse.GetValue(name)}': {action.ToString().ToLowerInvariant()} done");
            });
            return command;
        }

        private static Command List()
        {
            var user = UserScope();
            var command = new Command("list", "List registered services with their state and last heartbeat.") { user };
            CommandRunner.SetAction(command, (parse, _) =>
            {
                foreach (ServiceInfo info in new ServiceManager(Layout(parse, user)).List())
                {
                    CliConsole.Line(Describe(info));
                }
                return ExitCodes.Success;
            });
            return command;
        }

        private static Command Status()
        {
            var name = Name();
            var user = UserScope();
            var command = new Command("status", "Show one service: state, command, last heartbeat and last error (from its status file, so this works when Kafka is down).") { name, user };
            CommandRunner.SetAction(command, (parse, _) =>
            {
                ServiceInfo info = new ServiceManager(Layout(parse, user)).Get(parse.GetValue(name)!);
                CliConsole.Line(Describe(info));
                CliConsole.Line($"  command:        openmsistream {info.Command}");
                CliConsole.Line($"  definition:     {info.DefinitionPath}");
                if (info.Topic != null)
                {
                    CliConsole.Line($"  topic:          {info.Topic}{(info.GroupId != null ? $", consumer group {info.GroupId}" : string.Empty)}");
                }
                CliConsole.Line($"  program state:  {info.ProgramState ?? "(never ran)"}{(info.Status != null ? $", updated {info.Status.UpdatedAt:u}, {info.FilesHandled} files" : string.Empty)}{(info.Lag is long lag ? $", lag {lag} messages" : string.Empty)}");
                if (info.ResultDelivery != null)
                {
                    CliConsole.Line($"  results:        {info.ResultDelivery}{(info.ResultDeliveryReason != null ? $" ({info.ResultDeliveryReason})" : string.Empty)}");
                }
                if (info.MetricsUrl != null)
                {
                    CliConsole.Line($"  metrics:        {info.MetricsUrl}");
                }
                if (info.LastError != null)
                {
                    CliConsole.Line($"  last error:     {info.LastErrorAt:u} {info.LastError}");
                }
                return ExitCodes.Success;
            });
            return command;
        }

        private static Command Run()
        {
            var name = Name();
            var user = UserScope();
            var command = new Command("run", "Run a registered service's command under the service host (what systemd or Windows start); in a terminal it runs in the foreground until Ctrl+C.") { name, user };
            command.SetAction((parse, _) => ServiceHost.RunAsync(Layout(parse, user), parse.GetValue(name)!));
            return command;
        }

        private static string Describe(ServiceInfo info) =>
            $"{info.Name}\t{info.Scope}\t{info.State}\tlast heartbeat {(info.LastHeartbeat is DateTimeOffset beat ? beat.ToString("u") : "never")}{(info.Lag is long lag ? $"\tlag {lag}" : string.Empty)}\t{(info.LastError != null ? "last error: " + info.LastError : string.Empty)}".TrimEnd('\t');

        private static int Carry(ServiceManager manager, ServicePlan plan, bool whatIf, string done)
        {
            if (whatIf)
            {
                CliConsole.Line(plan.ToString().TrimEnd('\n'));
                return ExitCodes.Success;
            }
            manager.Apply(plan);
            CliConsole.ErrorLine(done);
            return ExitCodes.Success;
        }

        /// <summary>This program as a command line: the apphost, or dotnet and the dll when run through dotnet.</summary>
        private static List<string> CurrentExecutable()
        {
            string process = Environment.ProcessPath ?? "openmsistream";
            string entry = typeof(Program).Assembly.Location;
            return Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
                ? new List<string> { process, entry }
                : new List<string> { process };
        }
    }
}
