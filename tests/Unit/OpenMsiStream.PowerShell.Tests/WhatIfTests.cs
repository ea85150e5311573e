using System;
using System.Collections.ObjectModel;
using System.IO;
using System.Management.Automation;
using OpenMsiStream.PowerShell.Tests.Support;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.PowerShell.Tests
{
    /// <summary>
    /// -WhatIf on the long-running cmdlets says what would run and does nothing: no output, no error, no
    /// connection (the broker address is unreachable, so any attempt would fail), no directory created.
    /// </summary>
    [Collection(ModuleCollection.Name)]
    public sealed class WhatIfTests : IDisposable
    {
        private readonly ModuleFixture _module;
        private readonly TempDirectory _temp = new TempDirectory("whatif");

        public WhatIfTests(ModuleFixture module) => _module = module;

        public void Dispose() => _temp.Dispose();

        [Theory]
        [InlineData("Start-MsiUploadDirectory -Path '{watched}' -Topic lab -BootstrapServers 127.0.0.1:1 -StateDirectory '{state}' -WhatIf",
            "What if: Performing the operation \"Watch and send new and changed files to topic 'lab'\" on target \"{watched}\".")]
        [InlineData("Receive-MsiDataFile -Topic lab -BootstrapServers 127.0.0.1:1 -OutputDirectory '{output}' -WhatIf",
            "What if: Performing the operation \"Receive files from topic 'lab'\" on target \"{output}\".")]
        [InlineData("Invoke-MsiStreamProcessor -Topic lab -BootstrapServers 127.0.0.1:1 -ScriptBlock { param($File) } -StateDirectory '{state}' -OutputDirectory '{output}' -WhatIf",
            "What if: Performing the operation \"Run ")]
        [InlineData("Start-MsiS3Transfer -Topic lab -Bucket raw-data -EndpointUrl http://127.0.0.1:1 -BootstrapServers 127.0.0.1:1 -StateDirectory '{state}' -WhatIf",
            "What if: Performing the operation \"Copy every file of topic 'lab'")]
        public void WhatIfDoesNothingAndSaysWhatWouldRun(string script, string saysAtTheStart)
        {
            string watched = _temp.Combine("watched"), state = _temp.Combine("state"), output = _temp.Combine("output");
            Directory.CreateDirectory(watched);
            string Expand(string text) => text.Replace("{watched}", watched).Replace("{state}", state).Replace("{output}", output);
            _module.Host.Lines.Clear();

            using var ps = _module.Create();
            ps.AddScript(Expand(script));
            Collection<PSObject> result = ps.Invoke();

            Assert.Empty(result);
            Assert.Empty(ps.Streams.Error);
            Assert.StartsWith(Expand(saysAtTheStart), Assert.Single(_module.Host.Lines));
            Assert.False(Directory.Exists(state), "the state directory was created");
            Assert.False(Directory.Exists(output), "the output directory was created");
            Assert.Empty(Directory.GetFileSystemEntries(watched));
        }
    }
}
