using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace OpenMsiStream.PowerShell.Tests.Support
{
    /// <summary>
    /// A host that records what cmdlets show the user (the "What if:" lines of -WhatIf go to the host,
    /// not to a stream) and answers -Confirm prompts with a chosen answer.
    /// </summary>
    public sealed class TestHost : PSHost
    {
        private readonly RecordingUserInterface _ui = new RecordingUserInterface();

        public override string Name => "OpenMsiStreamTestHost";

        public override Version Version { get; } = new Version(1, 0);

        public override Guid InstanceId { get; } = Guid.NewGuid();

        public override PSHostUserInterface UI => _ui;

        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

        /// <summary>Every line written to the host, in order.</summary>
        public List<string> Lines => _ui.Lines;

        public override void EnterNestedPrompt() => throw new NotSupportedException();

        public override void ExitNestedPrompt() => throw new NotSupportedException();

        public override void NotifyBeginApplication()
        {
        }

        public override void NotifyEndApplication()
        {
        }

        public override void SetShouldExit(int exitCode)
        {
        }

        private sealed class RecordingUserInterface : PSHostUserInterface
        {
            public List<string> Lines { get; } = new List<string>();

            public override PSHostRawUserInterface? RawUI => null;

            public override string ReadLine() => string.Empty;

            public override SecureString ReadLineAsSecureString() => new SecureString();

            public override void Write(string value) => Record(value);

            public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Record(value);

            public override void WriteLine(string value) => Record(value);

            public override void WriteErrorLine(string value) => Record(value);

            public override void WriteDebugLine(string message) => Record(message);

            public override void WriteVerboseLine(string message) => Record(message);

            public override void WriteWarningLine(string message) => Record(message);

            public override void WriteProgress(long sourceId, ProgressRecord record)
            {
            }

            public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => new Dictionary<string, PSObject>();

            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();

            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();

            public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => defaultChoice;

            private void Record(string text)
            {
                lock (Lines)
                {
                    Lines.Add(text);
                }
            }
        }
    }
}
