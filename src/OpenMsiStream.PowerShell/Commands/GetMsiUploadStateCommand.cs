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
    /// <para type="description">Each UploadRecord has the file's relative path, its Status (InProgress,
    /// Sent, Failed or Skipped), how many of its chunks the broker acknowledged, the version (Generation)
    /// last sent, when it started and completed, the number of attempts and the last error. Skipped files
    /// were already in the directory when it was first watched without -UploadExisting. The registry is
    /// found from the watched directory's full path, in the same per-user folder Start-MsiUploadDirectory
    /// uses by default; if the uploader was given -StateDirectory (or runs as another user), give the same
    /// folder here. When nothing is recorded for the directory (or -Topic) the cmdlet writes a
    /// non-terminating FileNotFound error that names the folder it looked in.</para>
    /// </summary>
    /// <example>
    /// <code>Get-MsiUploadState -Path ./export -Status Failed, InProgress</code>
    /// <para>Lists the files of ./export that are being sent or whose last attempt failed, with the chunks
    /// acknowledged so far and the last error. Failed files are tried again by the uploader.</para>
    /// </example>
    /// <example>
    /// <code>
    /// Get-MsiUploadState ./export -Topic lab |
    ///     Where-Object Status -eq Sent |
    ///     Measure-Object -Property Length -Sum
    /// </code>
    /// <para>Counts the files of ./export that were sent completely to the topic lab and adds up their
    /// sizes.</para>
    /// </example>
    /// <example>
    /// <code>Get-MsiUploadState -Path D:\Instrument\Export -StateDirectory D:\OpenMsiStream\state -Status Failed | Format-Table RelativePath, Attempts, LastError</code>
    /// <para>Reads the registry of an uploader that was started with -StateDirectory D:\OpenMsiStream\state
    /// and shows why its failed files failed.</para>
    /// </example>
    /// <seealso cref="StartMsiUploadDirectoryCommand"/>
    /// <seealso cref="SendMsiDataFileCommand"/>
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
        [PSDefaultValue(Help = "every topic the directory was sent to")]
        public string? Topic { get; set; }

        /// <summary>The state directory the uploader used, if not the default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [PSDefaultValue(Help = "the uploader's default for -Path")]
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
                WriteError(new OpenMsiStreamException(ErrorIds.FileNotFound,
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
