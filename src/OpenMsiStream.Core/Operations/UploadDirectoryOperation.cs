using System.Linq;
using OpenMsiStream.Config;
using OpenMsiStream.Monitoring;
using OpenMsiStream.UploadDirectory;

namespace OpenMsiStream.Operations
{
    /// <summary>upload-directory / Start-MsiUploadDirectory: watch a directory and send every new or changed file.</summary>
    public sealed class UploadDirectoryOperation : Operation
    {
        internal UploadDirectoryOperation()
            : base("upload-directory", "Start-MsiUploadDirectory",
                "Watch a directory and send every new or changed file to a topic, recording each acknowledged chunk so that a restart resumes where it stopped. Runs until Ctrl+C, SIGTERM or --duration.",
                new[]
                {
                    new OperationOption("Path", OptionKind.Path, "directory to watch (recursively)").Positional("directory"),
                    new OperationOption("Topic", OptionKind.Text, "topic to produce to").Mandatory(),
                    new OperationOption("StateDirectory", OptionKind.Path, "where the upload registry lives (default: <home>/uploads/<name>-<hash>, one folder per watched directory; <home> is $OPENMSISTREAM_HOME, else per-user application data)"),
                    new OperationOption("SettleTime", OptionKind.SecondsOrZero, "seconds a file's size and mtime must stay unchanged before it is sent", Defaults.SettleTime),
                    new OperationOption("Polling", OptionKind.Switch, "rely on periodic scans only (for shares where file-system events are lost)"),
                    new OperationOption("ScanInterval", OptionKind.Seconds, $"seconds between full scans (default {Defaults.ScanInterval.TotalSeconds:0}, or {Defaults.PollingScanInterval.TotalSeconds:0} with --polling)"),
                    new OperationOption("Include", OptionKind.TextList, "only files matching this glob ('*' within a name, '**' across directories; repeatable)"),
                    new OperationOption("Exclude", OptionKind.TextList, "skip files matching this glob (repeatable)"),
                    new OperationOption("Filter", OptionKind.Pattern, "only files whose relative path (with '/') matches this regular expression"),
                    new OperationOption("IncludeHidden", OptionKind.Switch, "also send hidden files (names starting with '.')"),
                    new OperationOption("UploadExisting", OptionKind.Switch, "send the files already there the first time this directory is watched"),
                    new OperationOption("MetadataSidecar", OptionKind.Switch, "send <name>.metadata.json beside a file as that file's metadata (a JSON object of strings), never as a file of its own"),
                    new OperationOption("ChunkSize", OptionKind.Count, "bytes per chunk, a power of two", Chunks.ChunkSizeRules.Default),
                    new OperationOption("MaxBytesPerSecond", OptionKind.Bytes, "at most this many bytes per second").WithFlag("--max-rate"),
                    new OperationOption("Duration", OptionKind.Seconds, "stop after this many seconds (default: run until Ctrl+C or SIGTERM)"),
                }.Concat(OptionGroups.Broker).Concat(OptionGroups.Monitoring))
        {
        }

        public override ProgramKind Kind(OperationArguments arguments) => ProgramKind.Uploader;

        public override void Validate(OperationArguments arguments) => Build(arguments);

        public UploadDirectoryOptions Build(OperationArguments arguments)
        {
            TopicName.Validate(Topic(arguments));
            Monitoring(arguments);
            var options = new UploadDirectoryOptions(arguments.Text("Path")!, Topic(arguments))
            {
                StateDirectory = arguments.Text("StateDirectory"),
                SettleTime = arguments.Get<System.TimeSpan>("SettleTime"),
                PollingOnly = arguments.Get<bool>("Polling"),
                ScanInterval = arguments.Optional<System.TimeSpan>("ScanInterval"),
                Filter = Filter(arguments),
                IncludeHidden = arguments.Get<bool>("IncludeHidden"),
                UploadExisting = arguments.Get<bool>("UploadExisting"),
                MetadataSidecar = arguments.Get<bool>("MetadataSidecar"),
                ChunkSize = arguments.Get<int>("ChunkSize"),
                MaxBytesPerSecond = arguments.Optional<long>("MaxBytesPerSecond"),
            };
            foreach (string pattern in arguments.Get<string[]?>("Include") ?? new string[0])
            {
                options.Include.Add(pattern);
            }
            foreach (string pattern in arguments.Get<string[]?>("Exclude") ?? new string[0])
            {
                options.Exclude.Add(pattern);
            }
            return options;
        }
    }
}
