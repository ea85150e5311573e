using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace OpenMsiStream.S3
{
    internal static class S3ClientFactory
    {
        public static IAmazonS3 Create(S3Settings settings)
        {
            settings.Validate();
            var config = new AmazonS3Config
            {
                // Integrity is checked by this product (MD5 per part against the ETag, SHA-512 of the
                // whole file); the SDK's default trailing checksums use aws-chunked bodies, which S3
                // look-alikes store verbatim.
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
                // One quick retry of the SDK's own; the transfer retries with longer back-off itself.
                MaxErrorRetry = 1,
            };
            string? endpoint = settings.EndpointUri();
            if (endpoint != null)
            {
                config.ServiceURL = endpoint;
                // Self-hosted S3 rarely has wildcard DNS for virtual-host buckets.
                config.ForcePathStyle = true;
                config.AuthenticationRegion = settings.Region ?? "us-east-1";
            }
            else if (settings.Region != null)
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region);
            }
            try
            {
                if (settings.AccessKeyId != null)
                {
                    return new AmazonS3Client(new BasicAWSCredentials(settings.AccessKeyId, settings.SecretAccessKey), config);
                }
                return new AmazonS3Client(config); // the SDK's standard credential chain
            }
            catch (AmazonClientException error) when (endpoint == null && settings.Region == null)
            {
                // Neither the command line, the config file nor the AWS environment says where S3 is.
                throw new Diagnostics.OpenMsiStreamException(Diagnostics.ErrorIds.InvalidArgument,
                    "No S3 server given: for an S3-compatible server give -EndpointUrl (--endpoint-url, or endpoint_url in the config file's [s3] section); "
                    + "for AWS give -Region (--region, region in [s3], or $AWS_REGION).", error);
            }
        }
    }
}
