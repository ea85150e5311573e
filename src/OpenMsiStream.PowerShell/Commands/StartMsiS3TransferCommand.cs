using System;
using System.Management.Automation;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Operations;
using OpenMsiStream.PowerShell.Infrastructure;
using OpenMsiStream.Processing;
using OpenMsiStream.S3;

namespace OpenMsiStream.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Copies every file that arrives on a topic to an S3 bucket, verified, until stopped.</para>
    /// <para type="description">Objects are named &lt;topic&gt;/&lt;subdirectory&gt;/&lt;file name&gt;. Files are
    /// streamed in parts (no size limit, never wholly in memory in the default Disk mode), every part's
    /// MD5 is checked against the server's answer and the file's SHA-512 is stored as object metadata;
    /// an object already there with the same SHA-512 is not sent again. Failed transfers are retried
    /// with back-off, recorded, and tried again later and at every start. Settings come from the config
    /// file's [s3] section (access_key_id, secret_key_id, endpoint_url, region), the parameters, or the
    /// AWS credential chain. Emits one object per file.</para>
    /// <para type="description">Each S3TransferResult has the relative path, the Status (Uploaded,
    /// AlreadyPresent or Failed), the length, the number of parts, the object's Uri
    /// (s3://&lt;bucket&gt;/&lt;key&gt;) and, for a failure, ErrorMessage. Files up to -PartSize (default
    /// 8 MiB) go in one PUT with Content-MD5, bigger ones as a multipart upload that resumes from a local
    /// journal after a crash. Retriable failures (timeouts, 5xx, throttling) are retried at 1, 2, 4, 8 and
    /// 16 seconds; a file that still fails is a non-terminating error (S3TransferFailed,
    /// S3IntegrityMismatch) and is tried again every -RetryFailedAfter (default 5 minutes) and at every
    /// start. Wrong keys (S3AccessDenied) and a missing bucket (S3BucketNotFound) stop the command at the
    /// start.</para>
    /// <para type="description">The default consumer group is openmsistream-s3-&lt;bucket&gt;, so running the
    /// same command again continues where it stopped; the record of what was copied lives in
    /// &lt;local app data&gt;/OpenMsiStream/s3/ unless -StateDirectory says otherwise. Runs until Ctrl+C,
    /// -Count files or -IdleTimeout.</para>
    /// <para type="notes">An object's ETag must be the MD5 of its content (or of its parts): buckets with
    /// SSE-KMS or SSE-C encryption are refused as mismatches. For a service, put the keys in the config
    /// file's [s3] section as $VARIABLES instead of using -Credential.</para>
    /// </summary>
    /// <example>
    /// <code>Start-MsiS3Transfer -Topic lab -Bucket lab-archive -Config ./lab.config</code>
    /// <para>Copies every file of the topic lab to the bucket lab-archive as lab/&lt;subdirectory&gt;/&lt;name&gt;,
    /// with the keys and endpoint from the [s3] section of ./lab.config (or the AWS credential chain),
    /// until Ctrl+C. One S3TransferResult per file.</para>
    /// </example>
    /// <example>
    /// <code>Start-MsiS3Transfer lab lab-archive -Config ./lab.config -EndpointUrl http://minio.lab:9000 -Credential (Get-Credential)</code>
    /// <para>Copies to an S3-compatible server such as MinIO; Get-Credential asks for the access key id (as
    /// the user name) and the secret key (as the password).</para>
    /// </example>
    /// <example>
    /// <code>
    /// Start-MsiS3Transfer -Topic lab -Bucket lab-archive -Config ./lab.config -IdleTimeout 120 -ThrottleLimit 4 |
    ///     Where-Object Status -ne Uploaded |
    ///     Format-Table RelativePath, Status, ErrorMessage
    /// </code>
    /// <para>Copies four files at a time until nothing arrived for two minutes, and shows only the files
    /// that were already in the bucket (AlreadyPresent) or failed.</para>
    /// </example>
    /// <seealso cref="InvokeMsiStreamProcessorCommand"/>
    /// <seealso cref="ReceiveMsiDataFileCommand"/>
    /// <seealso cref="OpenMsiStream.PowerShell.Commands.Services.RegisterMsiServiceCommand"/>
    [Cmdlet(VerbsLifecycle.Start, "MsiS3Transfer", SupportsShouldProcess = true)]
    [OutputType(typeof(S3TransferResult))]
    public sealed class StartMsiS3TransferCommand : ProcessorCmdlet
    {
        /// <summary>A transfer tries failed files again every 5 minutes unless -RetryFailedAfter says otherwise (the help shows this default).</summary>
        public StartMsiS3TransferCommand() => RetryFailedAfter = Defaults.S3RetryFailedAfter;

        /// <summary>The bucket; it must exist.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Bucket { get; set; } = string.Empty;

        /// <summary>An S3-compatible endpoint such as http://minio.lab:9000 (overrides endpoint_url).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EndpointUrl { get; set; }

        /// <summary>The region (overrides region; default us-east-1 for a custom endpoint).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [PSDefaultValue(Help = "region from the config file; else us-east-1 with a custom endpoint, or the AWS SDK default")]
        public string? Region { get; set; }

        /// <summary>Access key id as the user name and secret key as the password (overrides the [s3] keys).</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>Disk (default: streamed from a work folder, any size) or Memory (faster for small files).</summary>
        [Parameter]
        [ValidateSet(nameof(ProcessingMode.Disk), nameof(ProcessingMode.Memory))]
        public ProcessingMode Mode { get; set; } = ProcessingMode.Disk;

        /// <summary>Bytes per part of a multipart upload (at least 5 MiB; default 8 MiB).</summary>
        [Parameter]
        [ValidateRange(5L * 1024 * 1024, 5L * 1024 * 1024 * 1024)]
        public long PartSize { get; set; } = Defaults.S3PartSize;

        protected override string Activity => $"Copying files from topic '{Topic}' to bucket '{Bucket}'";

        protected override void EndProcessing()
        {
            OperationArguments arguments = Arguments();
            S3TransferOptions options = Terminating(() => Operation.S3Transfer.Build(arguments));
            if (!ShouldProcess($"s3://{Bucket}/{Topic}/", $"Copy every file of topic '{Topic}' (consumer group '{options.ResolveGroupId()}')"))
            {
                return;
            }
            KafkaSettings kafka = ResolveSettings();
            S3Settings s3 = Terminating(() => Storage(arguments, kafka));
            RunProcessor(arguments, kafka, (queue, diagnostics, observer, cancellation) =>
            {
                using var transfer = new S3Transfer(kafka, s3, options, diagnostics);
                queue.Verbose($"Copying topic '{Topic}' to bucket '{Bucket}' at {transfer.Endpoint ?? "AWS"} as consumer group '{transfer.GroupId}'; state in '{transfer.StateDirectory}'.");
                return transfer.Run(observer, cancellation);
            }, result => S3TransferResult.From(result, Bucket));
        }

        internal override Operation Operation => Operation.S3Transfer;

        private S3Settings Storage(OperationArguments arguments, KafkaSettings kafka)
        {
            S3Settings s3 = Operation.S3Transfer.Storage(arguments, kafka);
            if (Credential != null)
            {
                s3.AccessKeyId = Credential.UserName;
                s3.SecretAccessKey = Credential.GetNetworkCredential().Password;
            }
            return s3;
        }
    }
}
