using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.S3
{
    /// <summary>
    /// Where and as whom to reach S3: OpenMSIStream's <c>[s3]</c> config section (<c>access_key_id</c>,
    /// <c>secret_key_id</c>, <c>endpoint_url</c>, <c>region</c>), overridable one by one. Without keys the
    /// AWS SDK's standard credential chain is used (environment variables, the shared credentials file,
    /// instance roles).
    /// </summary>
    public sealed class S3Settings
    {
        public const string Section = "s3";
        private static readonly string[] KnownKeys = { "access_key_id", "secret_key_id", "endpoint_url", "region" };

        public string? AccessKeyId { get; set; }

        public string? SecretAccessKey { get; set; }

        /// <summary>An S3-compatible endpoint (MinIO, Ceph, a lab appliance); <c>https://</c> is assumed without a scheme. Null means AWS.</summary>
        public string? EndpointUrl { get; set; }

        public string? Region { get; set; }

        /// <summary>Reads the <c>[s3]</c> section; an unknown key is an error, so a typo is not silently ignored.</summary>
        public static S3Settings From(KafkaSettings? settings)
        {
            var s3 = new S3Settings();
            if (settings == null)
            {
                return s3;
            }
            IReadOnlyList<ConfigEntry> entries = settings.Section(Section);
            foreach (ConfigEntry entry in entries)
            {
                if (!KnownKeys.Contains(entry.Key))
                {
                    throw new OpenMsiStreamException(ErrorIds.ConfigInvalidProperty,
                        $"Unknown key '{entry.Key}' in {entry.Origin}; the [s3] section takes {string.Join(", ", KnownKeys)}.", target: entry.Key);
                }
            }
            s3.AccessKeyId = Value(entries, "access_key_id");
            s3.SecretAccessKey = Value(entries, "secret_key_id");
            s3.EndpointUrl = Value(entries, "endpoint_url");
            s3.Region = Value(entries, "region");
            return s3;
        }

        /// <summary>The endpoint as a URL, with OpenMSIStream's rule that a bare host means https.</summary>
        public string? EndpointUri()
        {
            if (string.IsNullOrWhiteSpace(EndpointUrl))
            {
                return null;
            }
            string url = EndpointUrl!.Trim();
            if (url.IndexOf("://", StringComparison.Ordinal) < 0)
            {
                url = "https://" + url;
            }
            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new OpenMsiStreamException(ErrorIds.ConfigInvalidProperty,
                    $"The S3 endpoint '{EndpointUrl}' is not an http or https URL.", target: EndpointUrl);
            }
            return url;
        }

        internal void Validate()
        {
            if (string.IsNullOrEmpty(AccessKeyId) != string.IsNullOrEmpty(SecretAccessKey))
            {
                throw new OpenMsiStreamException(ErrorIds.ConfigInvalidProperty,
                    "S3 credentials need both access_key_id and secret_key_id (or neither, for the AWS credential chain).");
            }
            EndpointUri();
        }

        private static string? Value(IReadOnlyList<ConfigEntry> entries, string key)
        {
            string? value = entries.LastOrDefault(e => e.Key == key)?.Value;
            return string.IsNullOrWhiteSpace(value) ? null : value!.Trim();
        }
    }
}
