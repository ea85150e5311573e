using System;
using System.Linq;
using OpenMsiStream.Config;
using OpenMsiStream.Processing;
using OpenMsiStream.S3;

namespace OpenMsiStream.Operations
{
    /// <summary>s3-transfer / Start-MsiS3Transfer: copy every file of a topic to an S3 bucket, verified.</summary>
    public sealed class S3TransferOperation : ConsumingOperation
    {
        internal S3TransferOperation()
            : base("s3-transfer", "Start-MsiS3Transfer",
                "Copy every file of a topic to an S3 bucket, verified, one line per file, until --count, --idle-timeout, Ctrl+C or SIGTERM. Credentials come from the config file's [s3] section (access_key_id, secret_key_id) or the AWS credential chain.",
                new[]
                {
                    new OperationOption("Topic", OptionKind.Text, "topic to consume").Positional("topic"),
                    new OperationOption("Bucket", OptionKind.Text, "the bucket (it must exist); objects are named <topic>/<subdirectory>/<file name>").Positional("bucket"),
                    new OperationOption("EndpointUrl", OptionKind.Text, "an S3-compatible endpoint such as http://minio.lab:9000 (overrides [s3] endpoint_url)"),
                    new OperationOption("Region", OptionKind.Text, "the region (overrides [s3] region; default us-east-1 for a custom endpoint)"),
                    new OperationOption("Credential", OptionKind.Text, string.Empty).OnlyInPowerShell(
                        "a service must not hold a credential object: put the keys in the config file's [s3] section (as ${VARIABLES}) or in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"),
                    new OperationOption("GroupId", OptionKind.Text, "consumer group (default openmsistream-s3-<bucket>)"),
                    new OperationOption("Mode", OptionKind.Choice, "Disk (streamed from a work folder, any size) or Memory (faster for small files)", ProcessingMode.Disk)
                        .Of(typeof(ProcessingMode), nameof(ProcessingMode.Disk), nameof(ProcessingMode.Memory)),
                    new OperationOption("StateDirectory", OptionKind.Path, "where the transfer record and the multipart journal live (default: the user's app-data folder)"),
                    OptionGroups.Filter,
                    new OperationOption("ThrottleLimit", OptionKind.Count, "files transferred at once", Defaults.ThrottleLimit).Range(1, 64),
                    new OperationOption("PartSize", OptionKind.Bytes, "bytes per part of a multipart upload", Defaults.S3PartSize).Range(5L * 1024 * 1024, 5L * 1024 * 1024 * 1024),
                    new OperationOption("RetryFailedAfter", OptionKind.Seconds, "try failed transfers again after this many seconds", Defaults.S3RetryFailedAfter),
                    OptionGroups.MaxMemoryFileSize(),
                }.Concat(OptionGroups.Stopping))
        {
        }

        public override void Validate(OperationArguments arguments) => Build(arguments);

        public S3TransferOptions Build(OperationArguments arguments)
        {
            string topic = CheckedTopic(arguments);
            string bucket = arguments.Text("Bucket")!;
            BucketName.Validate(bucket);
            return new S3TransferOptions(topic, bucket)
            {
                GroupId = arguments.Text("GroupId"),
                ProgramId = MonitoredProgramId(arguments),
                Mode = arguments.Get<ProcessingMode>("Mode"),
                StateDirectory = arguments.Text("StateDirectory"),
                Filter = Filter(arguments),
                ThrottleLimit = arguments.Get<int>("ThrottleLimit"),
                PartSize = arguments.Get<long>("PartSize"),
                Count = arguments.Optional<int>("Count"),
                IdleTimeout = arguments.Optional<TimeSpan>("IdleTimeout"),
                RetryFailedAfter = arguments.Get<TimeSpan>("RetryFailedAfter"),
                MaxMemoryFileSize = arguments.Get<long>("MaxMemoryFileSize"),
                Decryption = Decryption(arguments),
            };
        }

        /// <summary>The S3 settings: the config's [s3] section with EndpointUrl and Region over it, checked before anything runs.</summary>
        public S3Settings Storage(OperationArguments arguments, KafkaSettings kafka)
        {
            S3Settings s3 = S3Settings.From(kafka);
            s3.EndpointUrl = arguments.Text("EndpointUrl") ?? s3.EndpointUrl;
            s3.Region = arguments.Text("Region") ?? s3.Region;
            s3.EndpointUri(); // a malformed endpoint fails here
            return s3;
        }
    }
}
