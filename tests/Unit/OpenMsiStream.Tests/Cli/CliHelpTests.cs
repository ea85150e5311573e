using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using OpenMsiStream.Tests.Support;
using Xunit;

namespace OpenMsiStream.Tests.Cli
{
    /// <summary>`openmsistream --help` and `&lt;command&gt; --help` for every command, as a user reads them.</summary>
    public sealed class CliHelpTests
    {
        private static readonly string[] ExpectedCommands =
        {
            "quickstart", "local-broker", "upload-file", "upload-directory", "upload-state", "download-directory", "process",
            "s3-transfer", "test-connection", "heartbeats", "lag", "files", "provision-node", "reproduce-undecryptable", "service",
        };

        [Fact]
        public async Task TheTopLevelHelpListsEveryCommand()
        {
            using CliProcess help = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "--help");
            Assert.Equal(0, help.ExitCode);
            Assert.Equal(ExpectedCommands.OrderBy(c => c, StringComparer.Ordinal), Commands(help.Stdout).OrderBy(c => c, StringComparer.Ordinal));
        }

        [Theory]
        [InlineData("quickstart")]
        [InlineData("local-broker")]
        [InlineData("upload-file")]
        [InlineData("upload-directory")]
        [InlineData("upload-state")]
        [InlineData("download-directory")]
        [InlineData("process")]
        [InlineData("s3-transfer")]
        [InlineData("test-connection")]
        [InlineData("heartbeats")]
        [InlineData("lag")]
        [InlineData("files")]
        [InlineData("provision-node")]
        [InlineData("reproduce-undecryptable")]
        [InlineData("service")]
        [InlineData("service", "install")]
        [InlineData("service", "uninstall")]
        [InlineData("service", "list")]
        [InlineData("service", "status")]
        [InlineData("service", "start")]
        [InlineData("service", "stop")]
        [InlineData("service", "restart")]
        [InlineData("service", "run")]
        public async Task EveryCommandExplainsItselfAndEveryOption(params string[] command)
        {
            using CliProcess help = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), command.Concat(new[] { "--help" }).ToArray());
            Assert.Equal(0, help.ExitCode);
            string text = help.Stdout;
            Assert.Contains("Description:", text, StringComparison.Ordinal);
            Assert.Contains("Usage:", text, StringComparison.Ordinal);
            // Every option line has a description after the option names.
            foreach (Match option in Regex.Matches(text, @"^  (-[^\r\n]*)$", RegexOptions.Multiline))
            {
                string line = option.Groups[1].Value;
                Assert.True(Regex.IsMatch(line, @"\S\s{2,}\S"), $"{string.Join(' ', command)}: option without a description: '{line}'");
            }
        }

        private static IEnumerable<string> Commands(string help)
        {
            int start = help.IndexOf("Commands:", StringComparison.Ordinal);
            Assert.True(start >= 0, help);
            return Regex.Matches(help.Substring(start), @"^  ([a-z][a-z0-9-]+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value);
        }
    }
}
