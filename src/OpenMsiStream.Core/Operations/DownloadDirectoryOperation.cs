using System;
using System.Linq;
using OpenMsiStream.Download;

namespace OpenMsiStream.Operations
{
    /// <summary>download-directory / Receive-MsiDataFile: rebuild and verify the files of a topic.</summary>
    public sealed class DownloadDirectoryOperation : ConsumingOperation
    {
        internal DownloadDirectoryOperation()
            : base("download-directory", "Receive-MsiDataFile",
                "Rebuild and verify files from a topic into a directory, one line per file, until --count, --idle-timeout, Ctrl+C or SIGTERM.",
                new[]
                {
                    new OperationOption("OutputDirectory", OptionKind.Path, "directory to rebuild files in (created if missing)").Positional("directory"),
                    new OperationOption("Topic", OptionKind.Text, "topic to consume").Mandatory(),
                    new OperationOption("GroupId", OptionKind.Text, "consumer group; give a fixed one to resume where the last run stopped (default: a new group that reads the topic from the beginning)"),
                    OptionGroups.Filter,
                    new OperationOption("MaxFilesInProgress", OptionKind.Count, "most files in progress at once; beyond it the one that waited longest for its next chunk is given up (IncompleteFileAbandoned)", Defaults.MaxFilesInProgress),
                    new OperationOption("MaxBytesInProgress", OptionKind.Bytes, "most bytes held by files in progress; beyond it, as --max-files-in-progress", Defaults.MaxBytesInProgress),
                    OptionGroups.MaxMemoryFileSize("a service writes files to -OutputDirectory, so there is no in-memory limit to set"),
                }.Concat(OptionGroups.Stopping))
        {
        }

        public override void Validate(OperationArguments arguments) => Build(arguments);

        /// <summary>The receiver's options; without OutputDirectory (only the cmdlet allows that) files are kept in memory.</summary>
        public ReceiveOptions Build(OperationArguments arguments) => new ReceiveOptions(CheckedTopic(arguments))
        {
            OutputDirectory = arguments.Text("OutputDirectory"),
            GroupId = arguments.Text("GroupId"),
            ProgramId = MonitoredProgramId(arguments),
            Count = arguments.Optional<int>("Count"),
            IdleTimeout = arguments.Optional<TimeSpan>("IdleTimeout"),
            Filter = Filter(arguments),
            MaxMemoryFileSize = arguments.Get<long>("MaxMemoryFileSize"),
            MaxFilesInProgress = arguments.Get<int>("MaxFilesInProgress"),
            MaxBytesInProgress = arguments.Get<long>("MaxBytesInProgress"),
            Decryption = Decryption(arguments),
        };
    }
}
