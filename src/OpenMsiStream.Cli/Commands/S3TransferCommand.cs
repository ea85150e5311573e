using System;
using System.CommandLine;
using System.IO;
using OpenMsiStream.Cli.Infrastructure;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Monitoring;
using OpenMsiStream.Processing;
using OpenMsiStream.S3;

namespace OpenMsiStream.Cli.Commands
{
    /// <summary>
    /// <c>openmsistream s3-transfer TOPIC BUCKET</c>: copies every file of a topic to an S3 bucket,
    /// verified (the same engine as Start-MsiS3Transfer), one line per file.
    /// </summary>
    internal static class S3TransferCommand
    {
        public static Command Create()
        {
            var topic = new Argument<string>("topic") { Description = "topic to consume" };
            var bucket = new Argument<string>("bucket") { Description = "the bucket (it must exist); objects are named <topic>/<subdirectory>/<file name>" };
            var endpoint = new Option<string?>("--endpoint-url") { Description = "an S3-compatible endpoint such as http://minio.lab:9000 (overrides [s3] endpoint_url)" };
            var region = new Option<string?>("--region") { Description = "the region (overrides [s3] region; default us-east-1 for a custom endpoint)" };
            var groupId = new Option<string?>("--group-id") { Description = "consumer group (default openmsistream-s3-<bucket>)" };
            var mode = new Option<ProcessingMode>("--mode") { Description = "Disk (default: streamed from a work folder, any size) or Memory (faster for small files)", DefaultValueFactory = _ => ProcessingMode.Disk };
            var stateDirectory = new Option<string?>("--state-directory") { Description = "where the transfer record and the multipart journal live (default: the user's app-data folder)" };
            var filter = new Option<string?>("--filter") { Description = "regular expression on the relative path (POSIX separators); other files are skipped" };
            var throttle = new Option<int>("--throttle-limit") { Description = "files transferred at once (default 2)", DefaultValueFactory = _ => 2 };
            var partSize = new Option<long>("--part-size") { Description = "bytes per part of a multipart upload (at least 5 MiB; default 8 MiB)", DefaultValueFactory = _ => Defaults.S3PartSize };
            var count = new Option<int?>("--count") { Description = "stop after this many files" };
            var idleTimeout = new Option<double?>("--idle-timeout") { Description = "stop when no message arrived for this many seconds" };
            var retryAfter = new Option<double>("--retry-failed-after") { Description = "try failed transfers again after this many seconds (default 300)", DefaultValueFactory = _ => 300 };
            var verbose = CommandRunner.Verbose();
            var broker = new BrokerOptions();
            var monitoring = new MonitorCliOptions();
            var decryption = new DecryptionCliOptions();
            var command = new Command("s3-transfer", "Copy every file of a topic to an S3 bucket, verified, one line per file, until --count, --idle-timeout, Ctrl+C or SIGTERM. Credentials come from the config file's [s3] section (access_key_id, secret_key_id) or the AWS credential chain.")
            {
                topic, bucket, endpoint, region, groupId, mode, stateDirectory, filter, throttle, partSize, count, idleTimeout, retryAfter, verbose,
            };
            broker.AddTo(command);
            monitoring.AddTo(command);
            decryption.AddTo(command);
            CommandRunner.SetAction(command, (parse, cancellationToken) =>
            {
                string bucketName = parse.GetValue(bucket)!;
                BucketName.Validate(bucketName);
                ProcessingMode transferMode = parse.GetValue(mode);
                if (transferMode == ProcessingMode.Both)
                {
                    throw new OpenMsiStreamException(ErrorIds.InvalidArgument, "--mode must be Disk or Memory for an S3 transfer.");
                }
                var options = new S3TransferOptions(parse.GetValue(topic)!, bucketName)
                {
                    GroupId = parse.GetValue(groupId),
                    Mode = transferMode,
                    StateDirectory = parse.GetValue(stateDirectory) is string state ? Path.GetFullPath(state) : null,
                    Filter = CliArguments.Regex(parse.GetValue(filter), "--filter"),
                    ThrottleLimit = CliArguments.Positive(parse.GetValue(throttle), "--throttle-limit"),
                    PartSize = parse.GetValue(partSize), // checked by the transfer: at least S3's 5 MiB
                    Count = parse.GetValue(count),
                    IdleTimeout = CliArguments.Seconds(parse.GetValue(idleTimeout), "--idle-timeout"),
                    RetryFailedAfter = CliArguments.Seconds(parse.GetValue(retryAfter), "--retry-failed-after"),
                    Decryption = decryption.Resolve(parse),
                };
                KafkaSettings kafka = broker.Resolve(parse);
                S3Settings s3 = S3Settings.From(kafka);
                s3.EndpointUrl = parse.GetValue(endpoint) ?? s3.EndpointUrl;
                s3.Region = parse.GetValue(region) ?? s3.Region;
                s3.EndpointUri(); // a malformed endpoint fails here, before anything runs
                ClientDiagnostics diagnostics = CliConsole.Diagnostics(parse.GetValue(verbose));
                return monitoring.Run(parse, kafka, diagnostics, ProgramKind.Processor, "s3-transfer", options.Topic, monitor =>
                {
                    options.ProgramId = monitor?.ProgramId; // a monitored transfer is a static member of its group
                    using var transfer = new S3Transfer(kafka, s3, options, diagnostics);
                    CliConsole.ErrorLine($"copying topic '{options.Topic}' to bucket '{transfer.Bucket}' at {transfer.Endpoint ?? "AWS"} as consumer group '{transfer.GroupId}'; state in '{transfer.StateDirectory}'");
                    IProcessingObserver observer = new ProcessingConsoleObserver(file => Describe(S3TransferResult.From(file, bucketName)), parse.GetValue(verbose));
                    ProcessingSummary summary = transfer.Run(monitor?.Watch(observer) ?? observer, cancellationToken);
                    CliConsole.ErrorLine($"{summary.Processed} files copied, {summary.Failed} failed, {summary.Skipped} skipped in {summary.Elapsed.TotalSeconds:0.0} s.");
                    return summary.Failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
                });
            });
            return command;
        }

        private static string Describe(S3TransferResult result) => result.Status switch
        {
            S3TransferStatus.Uploaded => $"uploaded {result.RelativePath} ({ByteSize.Format(result.Length)}{(result.Parts > 1 ? $" in {result.Parts} parts" : string.Empty)}) to {result.Uri}",
            S3TransferStatus.AlreadyPresent => $"present {result.RelativePath} ({ByteSize.Format(result.Length)}) at {result.Uri}",
            _ => $"failed {result.RelativePath} ({ByteSize.Format(result.Length)}) to {result.Uri} attempt {result.Attempt}",
        };
    }
}
