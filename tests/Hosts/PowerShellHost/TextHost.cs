using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace OpenMsiStream.PowerShellHost
{
    /// <summary>
    /// A non-interactive host that writes what PowerShell shows a user (Write-Host, -WhatIf's "What if:",
    /// warnings, verbose text) to stdout/stderr, so tests can read it. Nothing can be read from it.
    /// </summary>
    internal sealed class TextHost : PSHost
    {
        private readonly TextUserInterface _ui = new TextUserInterface();

        public override string Name => "OpenMsiStream.PowerShellHost";

        public override Version Version => new Version(1, 0);

        public override Guid InstanceId { get; } = Guid.NewGuid();

        public override PSHostUserInterface UI => _ui;

        public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;

        public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;

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

        private sealed class TextUserInterface : PSHostUserInterface
        {
            public override PSHostRawUserInterface RawUI { get; } = new TextRawUserInterface();

            public override void Write(string value) => Console.Write(value);

            public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Console.Write(value);

            public override void WriteLine(string value) => Console.WriteLine(value);

            public override void WriteErrorLine(string value) => Console.Error.WriteLine(value);

            public override void WriteDebugLine(string message) => Console.Error.WriteLine("DEBUG: " + message);

            public override void WriteVerboseLine(string message) => Console.Error.WriteLine("VERBOSE: " + message);

            public override void WriteWarningLine(string message) => Console.Error.WriteLine("WARNING: " + message);

            public override void WriteProgress(long sourceId, ProgressRecord record)
            {
            }

            public override string ReadLine() => throw new NotSupportedException("This host reads nothing.");

            public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("This host reads nothing.");

            public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException("This host reads nothing.");

            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException("This host reads nothing.");

            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException("This host reads nothing.");

            public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => throw new NotSupportedException("This host reads nothing.");
        }

        private sealed class TextRawUserInterface : PSHostRawUserInterface
        {
            public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;

            public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

            public override Coordinates CursorPosition { get; set; }

            public override Coordinates WindowPosition { get; set; }

            public override int CursorSize { get; set; } = 25;

            public override Size BufferSize { get; set; } = new Size(160, 3000);

            public override Size WindowSize { get; set; } = new Size(160, 50);

            public override Size MaxWindowSize => WindowSize;

            public override Size MaxPhysicalWindowSize => WindowSize;

            public override bool KeyAvailable => false;

            public override string WindowTitle { get; set; } = string.Empty;

            public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException("This host reads nothing.");

            public override void FlushInputBuffer()
            {
            }

            public override void SetBufferContents(Coordinates origin, BufferCell[,] contents)
            {
            }

            public override void SetBufferContents(Rectangle rectangle, BufferCell fill)
            {
            }

            public override BufferCell[,] GetBufferContents(Rectangle rectangle) => new BufferCell[0, 0];

            public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill)
            {
            }
        }
    }
}
