using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Crypto.Runtime;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary>
    /// <c>openmsistream provision-node</c>: creates a KafkaCrypto node from two passwords, as kafkacrypto's
    /// simple-provision does. Passwords come from environment variables (for scripts) or are asked for
    /// without echo; they never appear on the command line, where other users could see them.
    /// </summary>
    internal static class ProvisionNodeCommand
    {
        public const string RootPasswordVariable = "OPENMSISTREAM_ROT_PASSWORD";
        public const string ProvisionerPasswordVariable = "OPENMSISTREAM_PROVISIONER_PASSWORD";

        public static Command Create()
        {
            var nodeId = new Argument<string>("node-id") { Description = "the node's name (letters, digits, '_', '-', '.'); also its folder's name" };
            var role = new Option<CryptoNodeRole>("--role") { Description = "Producer, Consumer or ProducerConsumer", Required = true };
            var topics = new Option<string[]>("--topic") { Description = "root topic the node may use (repeat for several)", Required = true, AllowMultipleArgumentsPerToken = true };
            var path = new Option<string?>("--path") { Description = "folder to create the node's folder in (default: the current directory)" };
            var lifetimeDays = new Option<double?>("--lifetime-days") { Description = "how long the node's certificate is valid (default 3660 days, as simple-provision)" };
            var command = new Command("provision-node", $"Create a KafkaCrypto node (<path>/<node-id>/<node-id>.config, .crypto, .seed) for end-to-end encryption. Passwords: ${RootPasswordVariable} and ${ProvisionerPasswordVariable}, or asked for.")
            {
                nodeId,
                role,
                topics,
                path,
                lifetimeDays,
            };
            CommandRunner.SetAction(command, (parse, cancellationToken) =>
            {
                string id = parse.GetValue(nodeId)!;
                string directory = Path.Combine(Path.GetFullPath(parse.GetValue(path) ?? "."), id);
                string rootPassword = Password(RootPasswordVariable, "root-of-trust password: ");
                string provisionerPassword = Password(ProvisionerPasswordVariable, "provisioning password: ");
                TimeSpan? lifetime = parse.GetValue(lifetimeDays) is double days ? TimeSpan.FromDays(days) : (TimeSpan?)null;
                CryptoNodeInfo node = CryptoNodes.Provision(directory, id, parse.GetValue(role), parse.GetValue(topics)!.ToList(), rootPassword, provisionerPassword, lifetime);
                CliConsole.Line($"created {node.Role} node '{node.NodeId}' in {node.Directory} (topics {string.Join(", ", node.Topics)}; expires {node.Expires:yyyy-MM-dd}); signing key {node.SigningPublicKey}");
                CliConsole.Line($"use it with:  [kafkacrypto] node_id = {node.NodeId}   (in a config file next to '{Path.GetDirectoryName(node.Directory)}')");
                return ExitCodes.Success;
            });
            return command;
        }

        private static string Password(string variable, string prompt)
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrEmpty(fromEnvironment))
            {
                return fromEnvironment!;
            }
            Console.Error.Write(prompt);
            if (Console.IsInputRedirected)
            {
                return Console.ReadLine() ?? string.Empty;
            }
            var text = new StringBuilder();
            while (true)
            {
                ConsoleKeyInfo key = Console.ReadKey(intercept: true);
                if (key.Key == ConsoleKey.Enter)
                {
                    Console.Error.WriteLine();
                    return text.ToString();
                }
                if (key.Key == ConsoleKey.Backspace)
                {
                    if (text.Length > 0)
                    {
                        text.Length--;
                    }
                }
                else if (!char.IsControl(key.KeyChar))
                {
                    text.Append(key.KeyChar);
                }
            }
        }
    }
}
