using System;
using System.IO;
using System.Net;
using System.Net.Http;
using Amazon.Runtime;
using Amazon.S3;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.S3
{
    /// <summary>Turns S3 client failures into the product's errors, and tells which are worth retrying.</summary>
    internal static class S3Errors
    {
        /// <summary>Network trouble, throttling and server errors pass; wrong credentials or a missing bucket do not.</summary>
        public static bool IsRetriable(Exception error)
        {
            switch (error)
            {
                case OpenMsiStreamException ours:
                    // Garbled on the way: sending again helps. A wrapped client failure is judged by its cause.
                    return ours.ErrorId == ErrorIds.S3IntegrityMismatch
                        || (ours.ErrorId == ErrorIds.S3TransferFailed && ours.InnerException != null && IsRetriable(ours.InnerException));
                case AmazonServiceException service when service.StatusCode != 0:
                    int status = (int)service.StatusCode;
                    return status >= 500 || status == 429 || status == 408 || service.ErrorCode == "SlowDown" || service.ErrorCode == "RequestTimeout"
                        || service.ErrorCode == "BadDigest" || service.ErrorCode == "InternalError";
                case AmazonServiceException _:
                    return true; // no HTTP status: the request never got an answer
                case HttpRequestException _:
                case WebException _:
                case IOException _:
                case AmazonClientException _:
                    return true;
                case OperationCanceledException _:
                    return true; // an HTTP timeout; a cancellation of ours is checked before retrying
                default:
                    return error.InnerException != null && IsRetriable(error.InnerException);
            }
        }

        public static OpenMsiStreamException From(Exception error, string doing, string bucket, string? endpoint)
        {
            if (error is OpenMsiStreamException ours)
            {
                return ours;
            }
            string where = endpoint != null ? $" at {endpoint}" : string.Empty;
            if (error is AmazonServiceException service && service.StatusCode != 0)
            {
                string code = service.ErrorCode ?? ((int)service.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (code == "NoSuchBucket" || (service.StatusCode == HttpStatusCode.NotFound && doing.StartsWith("Checking bucket", StringComparison.Ordinal)))
                {
                    return new OpenMsiStreamException(ErrorIds.S3BucketNotFound,
                        $"{doing} failed: bucket '{bucket}' does not exist{where}. Create it first; this program does not create buckets.", error, bucket);
                }
                if (service.StatusCode == HttpStatusCode.Forbidden || code == "AccessDenied" || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch")
                {
                    return new OpenMsiStreamException(ErrorIds.S3AccessDenied,
                        $"{doing} failed: access to bucket '{bucket}'{where} was denied ({code}: {service.Message}). Check access_key_id and secret_key_id in the [s3] section, or the AWS credentials in use.", error, bucket);
                }
                return new OpenMsiStreamException(ErrorIds.S3TransferFailed,
                    $"{doing} failed{where}: {code} (HTTP {(int)service.StatusCode}): {service.Message}", error, bucket);
            }
            return new OpenMsiStreamException(ErrorIds.S3TransferFailed,
                $"{doing} failed{where}: {Innermost(error).Message}", error, bucket);
        }

        private static Exception Innermost(Exception error)
        {
            while (error.InnerException != null)
            {
                error = error.InnerException;
            }
            return error;
        }
    }
}
