using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.PowerShell.Infrastructure;
using OpenMsiStream.UploadDirectory;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Shows what was sent from a watched directory, what is in progress and what failed.</para>
    /// <para type="description">Reads the upload registry Start-MsiUploadDirectory keeps (also while it
    /// runs). One object per file and topic.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "MsiUploadState")]
    [OutputType(typeof(UploadRecord))]
    public sealed class GetMsiUploadStateCommand : MsiCmdlet
    {
        /// <summary>The watched directory.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>Only this topic (default: every topic the directory was sent to).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Topic { get; set; }

        /// <summary>The state directory the uploader used, if not the default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StateDirectory { get; set; }

        /// <summary>Only files with this status.</summary>
        [Parameter]
        public UploadStatus[] Status { get; set; } = Array.Empty<UploadStatus>();

        protected override void ProcessRecord()
        {
            string directory = ResolvePath(Path);
            string state = StateDirectory != null ? ResolvePath(StateDirectory) : UploadRegistry.DefaultStateDirectory(directory);
            IReadOnlyList<string> topics = Topic != null ? new[] { Topic } : UploadRegistry.Topics(state);
            if (topics.Count == 0 || (Topic != null && !UploadRegistry.Topics(state).Contains(Topic)))
            {
                WriteError(new OpenMsiStreamException(ErrorIds.FileNotFound, ErrorKind.ObjectNotFound,
                    $"No uploads{(Topic != null ? " to topic '" + Topic + "'" : "")} are recorded for '{directory}' (looked in '{state}').", target: directory));
                return;
            }
            foreach (string topic in topics)
            {
                using UploadRegistry? registry = UploadRegistry.OpenExisting(state, topic);
                foreach (UploadRecord record in registry?.All() ?? Array.Empty<UploadRecord>())
                {
                    if (Status.Length == 0 || Status.Contains(record.Status))
                    {
                        WriteObject(record);
                    }
                }
            }
        }
    }
}
