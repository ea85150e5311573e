using System;
using System.Threading;
using System.Threading.Tasks;
using Amazon.S3;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Processing;

namespace OpenMsiStream.S3
{
    /// <summary>
    /// OpenMSIStream's S3TransferStreamProcessor as a handler: every file goes to
    /// <c>&lt;bucket&gt;/&lt;topic&gt;/&lt;subdir&gt;/&lt;filename&gt;</c>, streamed in parts and verified (see
    /// <see cref="S3ObjectUploader"/>); requests that fail for a passing reason are retried with back-off.
    /// </summary>
    public sealed class S3TransferHandler : FileHandler, IDisposable
    {
        private readonly IAmazonS3 _client;
        private readonly S3ObjectUploader _uploader;

        /// <param name="settings">Endpoint, region and credentials.</param>
        /// <param name="bucket">The bucket; it must exist.</param>
        /// <param name="stateDirectory">Where multipart uploads in progress are recorded, to continue them after a failure or restart.</param>
        /// <param name="partSize">Bytes per part of a multipart upload (at least 5 MiB); smaller files are one PUT.</param>
        /// <param name="retry">Pauses between attempts of a failed request.</param>
        public S3TransferHandler(S3Settings settings, string bucket, string stateDirectory, long partSize = Defaults.S3PartSize, RetrySchedule? retry = null)
        {
            BucketName.Validate(bucket);
            if (partSize < S3ObjectUploader.MinimumPartSize)
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    $"The part size must be at least {ByteSize.Format(S3ObjectUploader.MinimumPartSize)} (S3's smallest part).", target: partSize);
            }
            Bucket = bucket;
            Endpoint = settings.EndpointUri();
            _client = S3ClientFactory.Create(settings);
            _uploader = new S3ObjectUploader(_client, bucket, partSize, retry ?? RetrySchedule.Default, new MultipartUploadJournal(stateDirectory), Endpoint);
        }

        public string Bucket { get; }

        public string? Endpoint { get; }

        /// <summary>The object key of a file: <c>&lt;topic&gt;/&lt;relative path&gt;</c>, as OpenMSIStream names it.</summary>
        public static string KeyFor(ReceivedFile file) => file.Topic + "/" + file.RelativePath;

        /// <summary>
        /// Checks that the bucket exists and the credentials may use it, so a typo fails at the start
        /// rather than on every file. Returns a warning when the endpoint cannot be reached now: that is
        /// not fatal, as files are retried until it is back.
        /// </summary>
        public async Task<string?> CheckBucketAsync(CancellationToken cancellationToken)
        {
            try
            {
                await _client.GetBucketLocationAsync(Bucket, cancellationToken).ConfigureAwait(false);
                return null;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !(ex is OutOfMemoryException))
            {
                if (!S3Errors.IsRetriable(ex))
                {
                    throw S3Errors.From(ex, $"Checking bucket '{Bucket}'", Bucket, Endpoint);
                }
                return $"{S3Errors.From(ex, $"Checking bucket '{Bucket}'", Bucket, Endpoint).Message}; files are retried until it can be reached.";
            }
        }

        public override async Task<HandlerOutcome> HandleAsync(ReceivedFile file, CancellationToken cancellationToken)
        {
            S3ObjectInfo stored = await _uploader.UploadAsync(file, KeyFor(file), cancellationToken).ConfigureAwait(false);
            return new HandlerOutcome(Array.Empty<string>(), new object[] { stored }, null);
        }

        public void Dispose() => _client.Dispose();
    }
}
